import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { metric, useGateway } from './helpers/gateway-process.js';
import { holdsSocket } from './helpers/socket-fds.js';
import { sleep, TestClient } from './helpers/ws-client.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/heartbeat-client.mjs', import.meta.url));
const TIMEOUT_MS = 600;
const HEARTBEAT_MS = 100;
const LATE_BOUND_MS = 300;
const OTHERS_TIMEOUT_MS = 3000;
const RELEASE_BOUND_MS = 10_000;

describe('a client process stopped with SIGSTOP', () => {
  const gw = useGateway({ args: ['--log-level', 'debug'] });

  it('is expired within its timeout plus a small bound while every other client stays connected', async () => {
    const others = await Promise.all(Array.from({ length: 10 }, () => TestClient.open(gw.wsUrl(), { autoPong: false })));
    // The others get a longer timeout: the test process's own timers may lag on a busy machine.
    await Promise.all(others.map((c, i) => c.register(`other-${i}`, OTHERS_TIMEOUT_MS, OTHERS_TIMEOUT_MS * 10)));
    const beats = setInterval(() => others.forEach((c, i) => c.send({ type: 'ka_heartbeat', client_id: `other-${i}` })), HEARTBEAT_MS);

    const child = spawn(process.execPath, [FIXTURE, gw.wsUrl(), 'stopped-1', String(TIMEOUT_MS), String(HEARTBEAT_MS), '30000'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = child.pid as number;
    const events: { event: string; code?: number; reason?: string; localPort?: number }[] = [];
    const lines = createInterface({ input: child.stdout! });
    const seen = (event: string): Promise<void> =>
      new Promise((resolve) => {
        if (events.some((e) => e.event === event)) return resolve();
        lines.on('line', () => events.some((e) => e.event === event) && resolve());
      });
    lines.on('line', (line) => events.push(JSON.parse(line) as { event: string }));
    try {
      await seen('registered');
      const peerPort = events.find((e) => e.event === 'registered')?.localPort as number;
      expect(holdsSocket(gw.pid, gw.port, peerPort)).toBe(true);
      await sleep(3 * HEARTBEAT_MS);
      process.kill(pid, 'SIGSTOP');
      const stoppedAt = performance.now();
      const expired = await gw.waitForLog((l) => l.event === 'expired' && l.clientId === 'stopped-1', 5000);
      // Its last heartbeat left before the stop, so its deadline is at most TIMEOUT_MS after it.
      expect(expired.at - stoppedAt).toBeLessThan(TIMEOUT_MS + LATE_BOUND_MS);
      // The server's own measure: expired after its deadline (a few ms on an idle machine; the bound allows CI noise).
      expect(expired.delayMs).toBeGreaterThanOrEqual(0);
      expect(expired.delayMs).toBeLessThanOrEqual(LATE_BOUND_MS);
      expect(expired.closed).toBe(true);

      // The stopped peer never answers the close: the server must not keep its socket for long.
      // uWS closes it on its shortest socket timer (seconds, not minutes).
      let releasedAfter = -1;
      for (let waited = 0; waited < RELEASE_BOUND_MS; waited += 100) {
        if (!holdsSocket(gw.pid, gw.port, peerPort)) {
          releasedAfter = performance.now() - expired.at;
          break;
        }
        await sleep(100);
      }
      expect(releasedAfter).toBeGreaterThanOrEqual(0);

      for (const c of others) expect(c.isOpen).toBe(true);
      const status = JSON.parse((await gw.get('/status')).text) as { connections: { client_id: string }[] };
      expect(status.connections.map((e) => e.client_id).sort()).toEqual(others.map((_, i) => `other-${i}`).sort());
      const metrics = (await gw.get('/metrics')).text;
      expect(metric(metrics, 'keepwatch_expiries_total{action="closed"}')).toBe(1);

      // Woken up, it finds its connection closed with the documented code.
      process.kill(pid, 'SIGCONT');
      await Promise.race([seen('closed'), sleep(5000)]);
      expect(events.find((e) => e.event === 'closed')).toMatchObject({ code: 4000, reason: 'keepalive timeout' });
    } finally {
      clearInterval(beats);
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(pid, 'SIGCONT');
        process.kill(pid, 'SIGKILL');
      }
      others.forEach((c) => c.close());
    }
  });
});
