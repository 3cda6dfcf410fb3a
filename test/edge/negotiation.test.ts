import { describe, expect, it } from 'vitest';
import { metric, useGateway } from '../gateway/helpers/gateway-process.js';
import { sleep, TestClient } from '../gateway/helpers/ws-client.js';

describe('negotiated timeouts: the gateway clamps what a client asks for', () => {
  const gw = useGateway({ args: ['--min-timeout-ms', '400', '--max-timeout-ms', '5000', '--min-ping-interval-ms', '300', '--ping-jitter-ms', '0'] });

  it('ka_register_ok carries the granted timeout_ms and ping_interval_ms, in the protocol key order', async () => {
    const c = await TestClient.open(gw.wsUrl());
    // The 5 s client first: clamp-low, granted 400 ms, would otherwise be alone on the connection until the next
    // register arrived, and a test process descheduled for 400 ms there (a loaded machine) saw the connection closed 4000.
    expect((await c.register('clamp-high', 86_400_000, 60_000)).body).toMatchObject({ timeout_ms: 5000, ping_interval_ms: 60_000 });
    const low = await c.register('clamp-low', 1, 1);
    expect(low.text).toMatch(/^\{"type": "ka_register_ok", "in_reply_to": \d+, "timeout_ms": 400, "ping_interval_ms": 300, "msg_id": \d+\}$/);
    expect((await c.register('clamp-none', 1000, 500)).body).toMatchObject({ timeout_ms: 1000, ping_interval_ms: 500 });
    // The defaults (30 s timeout, 10 s interval) are clamped too.
    expect((await c.register('clamp-default')).body).toMatchObject({ timeout_ms: 5000, ping_interval_ms: 10_000 });
    expect(metric((await gw.get('/metrics')).text, 'keepwatch_register_clamped_total')).toBe(3);
    c.close();
  });

  it('the clamped values are the ones enforced: a client asking for 1 ms is pinged after 300 ms and expires after 400 ms, not 1 ms', async () => {
    const c = await TestClient.open(gw.wsUrl(), { autoPong: false });
    const registered = performance.now();
    await c.register('clamp-enforced', 1, 1);
    const ping = await c.next((m) => m.body.type === 'ka_ping', 5000);
    expect(ping.at - registered).toBeGreaterThanOrEqual(290);
    const closed = await c.closed;
    expect(closed.code).toBe(4000);
    // Never early: at least the granted 400 ms after the register was sent (slack for timer granularity only upward).
    expect(closed.at - registered).toBeGreaterThanOrEqual(395);
    await sleep(10);
  });
});
