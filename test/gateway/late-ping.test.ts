import { describe, expect, it } from 'vitest';
import { useGateway } from './helpers/gateway-process.js';
import { sleep, TestClient } from './helpers/ws-client.js';

// A wide jitter window (min(--ping-jitter-ms, interval / 10) = 1 s) so that a ping
// jittered from the hand-out would show up to 1 s after the stall.
const INTERVAL_MS = 10_000;
const TIMEOUT_MS = 30_000;
const STALL_MS = 2500;
const CLIENTS = 20;
// Pings handed out after the stall go in the first sweep after it: a few loop iterations.
const AFTER_STALL_BOUND_MS = 250;

describe('a ping handed out late because the loop stalled past its due time', () => {
  const gw = useGateway({ args: ['--ping-jitter-ms', '1000', '--ping', 'app'] });

  it('is sent at once, its jitter counted from when it fell due, not added to the lateness', async () => {
    const clients = await Promise.all(Array.from({ length: CLIENTS }, () => TestClient.open(gw.wsUrl(), { autoPong: false })));
    await Promise.all(clients.map((c, i) => c.register(`late-${i}`, TIMEOUT_MS, INTERVAL_MS)));
    const registeredAt = performance.now();
    // The stall spans every client's due time (registered + 10 s .. + 10 s + jitter <= + 11 s).
    await sleep(INTERVAL_MS - 1000 - (performance.now() - registeredAt));
    const res = await gw.get(`/test/stall?ms=${STALL_MS}`);
    expect(res.status).toBe(200);
    const stallEnded = performance.now();
    expect(stallEnded - registeredAt).toBeGreaterThan(INTERVAL_MS + 1000);
    const pings = await Promise.all(clients.map((c) => c.next((m) => m.body.type === 'ka_ping', 5000)));
    const afterStall = pings.map((p) => p.at - stallEnded);
    expect(Math.max(...afterStall), `ms after the stall: ${afterStall.map((ms) => ms.toFixed(0)).join(' ')}`).toBeLessThan(AFTER_STALL_BOUND_MS);
    for (const c of clients) expect(c.ofType('ka_ping')).toHaveLength(1);
  });
});
