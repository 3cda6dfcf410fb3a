import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-node.js';
import { startGateway } from './helpers/gateway-process.js';
import { sleep, TestClient } from './helpers/ws-client.js';

const FLAGS = [
  '--host',
  '--port',
  '--shards',
  '--workers',
  '--max-payload-bytes',
  '--max-clients-per-connection',
  '--max-send-buffer-bytes',
  '--ping-jitter-ms',
  '--max-unreported-expiries',
  '--shutdown-timeout-ms',
  '--register-timeout-ms',
  '--allow-js-fallback',
  '--log-level',
];

describe('keepwatch serve: command line', () => {
  it('--help documents every flag, the close codes and the unasked messages', async () => {
    const run = await runCli(['serve', '--help'], '');
    expect(run.code).toBe(0);
    const text = run.stdout.toString();
    for (const flag of FLAGS) expect(text).toContain(flag);
    for (const token of ['4000 keepalive timeout', '4001', '4002', '4003', '4004', '1001', 'ka_ping', 'ka_expired', 'ka_moved', '/healthz', '/status', '/metrics']) {
      expect(text).toContain(token);
    }
    expect(text).toContain('default 127.0.0.1');
    expect(text).toContain('default 9001');
  });

  it('the top-level help lists serve', async () => {
    const run = await runCli(['--help'], '');
    expect(run.stdout.toString()).toContain('keepwatch serve');
  });

  it('announces the bound port even under --log-level warn, and logs no info lines otherwise', async () => {
    const gw = await startGateway({ args: ['--log-level', 'warn', '--ping-jitter-ms', '0'] });
    try {
      expect(gw.startup).toMatchObject({ event: 'listening', uws: 'native' });
      // Which uWS build serves, in one line, even under warn.
      expect(gw.logs.find((l) => l.event === 'uws')?.msg).toMatch(/^uWebSockets\.js: native build binaries\/uws_linux_x64_\d+\.node of \S+ \(Node v\d+\.\d+\.\d+, ABI \d+, linux-x64, glibc [\d.]+\)$/);
      expect(gw.port).toBeGreaterThan(0);
      const c = await TestClient.open(gw.wsUrl(), { autoPong: false });
      await c.register('quiet-log', 100, 1000);
      expect((await c.closed).code).toBe(4000);
      await sleep(50);
      expect(gw.logs.some((l) => l.event === 'expired')).toBe(false);
    } finally {
      await gw.stop();
    }
  });

  it('refuses a port another gateway holds (exit 4) instead of sharing it', async () => {
    const first = await startGateway();
    try {
      const second = await startGateway({ args: ['--port', String(first.port)], expectFailure: true });
      expect((await second.exited).code).toBe(4);
      expect(second.logs.find((l) => l.event === 'listen_failed')).toMatchObject({ port: first.port });
      const c = await TestClient.open(first.wsUrl());
      expect((await c.register('first-only', 60000)).body.type).toBe('ka_register_ok');
      c.close();
    } finally {
      await first.stop();
    }
  });

  it('refuses a bad flag value with exit code 2', async () => {
    const run = await runCli(['serve', '--port', 'eighty'], '');
    expect(run.code).toBe(2);
    expect(run.errLines.join('\n')).toContain('--port must be an integer');
    expect((await runCli(['serve', '--bogus'], '')).code).toBe(2);
  });

  it('refuses to start on the pure-JS uWS fallback unless --allow-js-fallback', async () => {
    const refused = await startGateway({ env: { UWS_USE_FALLBACK: '1' }, expectFailure: true });
    const exit = await refused.exited;
    expect(exit.code).toBe(3);
    expect(refused.logs.find((l) => l.event === 'refused')).toMatchObject({
      uws: 'js-fallback',
      msg: 'uWebSockets.js: pure-JS fallback of @trufflesuite/uws-js-unofficial@20.30.0-unofficial.0 (UWS_USE_FALLBACK is set); refused (--allow-js-fallback serves on the slow pure-JS server)',
    });
    // Nothing but JSON log lines on stderr: the one line says it all.
    expect(refused.logs.filter((l) => typeof l.raw === 'string')).toEqual([]);

    const allowed = await startGateway({ env: { UWS_USE_FALLBACK: '1' }, args: ['--allow-js-fallback', '--threads', '2'], expectFailure: true });
    try {
      // The fallback cannot share a port between threads: it serves on one and says so.
      expect(allowed.startup).toMatchObject({ event: 'listening', uws: 'js-fallback', threads: 1 });
      expect(allowed.logs.find((l) => l.event === 'threads_unavailable')).toMatchObject({ threads: 2 });
      expect(JSON.parse((await allowed.get('/healthz')).text)).toMatchObject({ status: 'ok', uws: 'js-fallback' });
    } finally {
      await allowed.stop();
    }
  });
});

describe('keepwatch serve: shutdown', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: stops accepting, closes every client with 1001, exits 0 within the bound`, async () => {
      const gw = await startGateway({ args: ['--shutdown-timeout-ms', '2000'] });
      const clients = await Promise.all(Array.from({ length: 5 }, () => TestClient.open(gw.wsUrl())));
      await Promise.all(clients.map((c, i) => c.register(`bye-${i}`, 60000)));
      const sentAt = performance.now();
      process.kill(gw.pid, signal);
      const closes = await Promise.all(clients.map((c) => c.closed));
      for (const closed of closes) expect(closed).toMatchObject({ code: 1001, reason: 'server shutting down' });
      const exit = await gw.exited;
      expect(exit.code).toBe(0);
      expect(exit.at - sentAt).toBeLessThan(2000 + 1000);
      await expect(TestClient.open(gw.wsUrl())).rejects.toThrow();
      expect(gw.logs.some((l) => l.event === 'stopped')).toBe(true);
    });
  }

  it('exits within the bound even when a peer never answers the close', async () => {
    const gw = await startGateway({ args: ['--shutdown-timeout-ms', '1000'] });
    const hung = await TestClient.open(gw.wsUrl());
    await hung.register('hung-1', 60000);
    // Neither reads nor answers from now on.
    hung.ws.pause();
    const sentAt = performance.now();
    process.kill(gw.pid, 'SIGTERM');
    const exit = await gw.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - sentAt).toBeLessThan(1000 + 1000);
    await sleep(10);
    hung.terminate();
  });
});
