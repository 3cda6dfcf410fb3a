import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway-process.js';
import { sleep, TestClient } from '../helpers/ws-client.js';

/**
 * Issue 8, items 7 and 8: a gateway that held live connections can be
 * replaced on the same port at once (a deploy, a crash restart), and
 * SIGTERM does not wait on idle HTTP keep-alives (a metrics scraper).
 */
const SHUTDOWN_BOUND_MS = 3000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function openClients(wsUrl: string, count: number, prefix: string): Promise<TestClient[]> {
  const clients = await Promise.all(Array.from({ length: count }, () => TestClient.open(wsUrl, { autoPong: false })));
  await Promise.all(clients.map((c, i) => c.register(`${prefix}-${i}`, 60_000, 60_000)));
  return clients;
}

describe('restart on the same port with connections open', () => {
  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    it(`listens again at the first attempt right after a ${signal} of a gateway holding 200 connections`, async () => {
      // A fixed port, as a deployment has (picked free first).
      const port = await freePort();
      const first = await startGateway({ args: ['--port', String(port)] });
      expect(first.port).toBe(port);
      const clients = await openClients(first.wsUrl(), 200, signal);
      process.kill(first.pid, signal);
      const exit = await first.exited;
      if (signal === 'SIGTERM') expect(exit.code).toBe(0);
      // The old connections are still in the kernel (FIN_WAIT / TIME_WAIT); the new bind must not care.
      const second = await startGateway({ args: ['--port', String(first.port)], expectFailure: true });
      try {
        expect(second.startup.event).toBe('listening');
        expect(second.port).toBe(first.port);
        const c = await TestClient.open(second.wsUrl());
        expect((await c.register('after-restart', 60_000, 60_000)).body.type).toBe('ka_register_ok');
        c.close();
      } finally {
        clients.forEach((c) => c.terminate());
        await second.stop();
      }
    });
  }

  it('still refuses a port a live gateway holds (exit 4)', async () => {
    const holder = await startGateway();
    try {
      const second = await startGateway({ args: ['--port', String(holder.port)], expectFailure: true });
      expect(second.startup.event).toBe('listen_failed');
      expect((await second.exited).code).toBe(4);
    } finally {
      await holder.stop();
    }
  });
});

describe('SIGTERM with an idle HTTP keep-alive open', () => {
  it('closes the keep-alive with everything else and exits 0 well within the bound', async () => {
    const gw = await startGateway();
    const clients = await openClients(gw.wsUrl(), 100, 'ka');
    const scraper = net.connect({ host: '127.0.0.1', port: gw.port });
    await new Promise<void>((resolve) => scraper.once('connect', () => resolve()));
    scraper.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise<void>((resolve) => scraper.once('data', () => resolve()));
    const scraperClosed = new Promise<number>((resolve) => scraper.once('close', () => resolve(performance.now())));
    await sleep(100);
    const sent = performance.now();
    process.kill(gw.pid, 'SIGTERM');
    const exit = await gw.exited;
    expect(exit.code).toBe(0);
    // Before: the idle keep-alive held the loop until the bound's timer cut it (3,021 ms).
    expect(exit.at - sent).toBeLessThan(SHUTDOWN_BOUND_MS - 500);
    expect((await scraperClosed) - sent).toBeLessThan(SHUTDOWN_BOUND_MS);
    const closes = await Promise.all(clients.map((c) => c.closed));
    for (const closed of closes) expect(closed.code).toBe(1001);
  });
});
