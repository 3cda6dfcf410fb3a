import { describe, expect, it } from 'vitest';
import { metric, useGateway } from './helpers/gateway-process.js';
import { sleep, TestClient } from './helpers/ws-client.js';

// Generous bounds: CI noise must not fail these. The server's own measure of
// lateness (deadline to close) is checked more tightly below.
const LATE_BOUND_MS = 250;

describe('gateway pings and expiry', () => {
  // --ping both: ka_ping and, to a client alone on its connection, a ping frame (each mode alone: ping-mode.test.ts).
  const gw = useGateway({ args: ['--ping-jitter-ms', '0', '--log-level', 'debug', '--ping', 'both'] });

  it('pings a silent client alone on its connection with ka_ping and a ping frame; its pongs keep it alive', async () => {
    // ws answers ping frames by itself, like a browser: no client code needed.
    const c = await TestClient.open(gw.wsUrl());
    await c.register('browser-1', 600, 100);
    const ping = await c.next((m) => m.body.type === 'ka_ping', 2000);
    expect(ping.text).toBe('{"type": "ka_ping", "client_id": "browser-1", "seq": 1}');
    expect(ping.at - c.lastSent).toBeGreaterThanOrEqual(95);
    await sleep(2000); // over three timeouts
    expect(c.pings.length).toBeGreaterThanOrEqual(3);
    expect(c.isOpen).toBe(true);
    expect(c.ofType('ka_ping').length).toBeGreaterThanOrEqual(3);
    c.close();
  });

  it('closes a silent client alone on its connection with 4000 "keepalive timeout", after its deadline, never before', async () => {
    const c = await TestClient.open(gw.wsUrl(), { autoPong: false });
    await c.register('silent-1', 300, 100);
    await c.next((m) => m.body.type === 'ka_ping', 2000);
    expect(c.pings.length).toBe(1);
    const closed = await c.closed;
    expect(closed.code).toBe(4000);
    expect(closed.reason).toBe('keepalive timeout');
    const silentFor = closed.at - c.lastSent;
    expect(silentFor).toBeGreaterThan(300);
    expect(silentFor).toBeLessThan(300 + LATE_BOUND_MS);
    const log = await gw.waitForLog((l) => l.event === 'expired' && l.clientId === 'silent-1');
    expect(log.delayMs).toBeGreaterThanOrEqual(0);
    expect(log.delayMs).toBeLessThanOrEqual(LATE_BOUND_MS);
    const metrics = (await gw.get('/metrics')).text;
    expect(metric(metrics, 'keepwatch_expiries_total{action="closed"}')).toBeGreaterThanOrEqual(1);
    expect(metric(metrics, 'keepwatch_connection_closes_total{reason="keepalive_timeout"}')).toBeGreaterThanOrEqual(1);
  });

  it('any frame from a client alone on its connection is activity, even an invalid one', async () => {
    const c = await TestClient.open(gw.wsUrl(), { autoPong: false });
    await c.register('chatty-1', 600, 5000);
    const timer = setInterval(() => c.sendRaw('not json'), 60);
    await sleep(1800);
    clearInterval(timer);
    expect(c.isOpen).toBe(true);
    expect((await c.closed).code).toBe(4000);
  });

  it('multiplexed: refreshes a client only by messages naming it; the silent one gets ka_expired and the connection stays', async () => {
    const edge = await TestClient.open(gw.wsUrl(), { autoPong: false });
    // dev-live's long timeout leaves the test's heartbeat timer slack on a busy machine.
    await edge.register('dev-live', 1500, 30000);
    // The server's clock for dev-quiet starts between the register's send and its reply. "Never early" is
    // measured from the send, "not late" from the reply: measured from the reply alone, a test process
    // descheduled for ~100 ms while the reply was in flight read the reply and the ka_ping in one go and
    // saw the ping "early" (1 run in 6 at load 7.7; a 150 ms busy-wait after the send reproduces it).
    const sentAt = performance.now();
    await edge.register('dev-quiet', 300, 100);
    const repliedAt = performance.now();
    const beats = setInterval(() => edge.send({ type: 'ka_heartbeat', client_id: 'dev-live' }), 50);
    const pingQuiet = await edge.next((m) => m.body.type === 'ka_ping' && m.body.client_id === 'dev-quiet', 2000);
    expect(pingQuiet.at - sentAt).toBeGreaterThanOrEqual(90);
    const expired = await edge.next((m) => m.body.type === 'ka_expired', 2000);
    expect(expired.text).toBe('{"type": "ka_expired", "client_id": "dev-quiet"}');
    expect(expired.at - sentAt).toBeGreaterThan(300);
    expect(expired.at - repliedAt).toBeLessThan(300 + LATE_BOUND_MS);
    await sleep(400);
    clearInterval(beats);
    expect(edge.isOpen).toBe(true);
    // No ping frames on a multiplexed connection: a pong could not say which client answered.
    expect(edge.pings).toHaveLength(0);
    expect(edge.ofType('ka_ping').every((m) => m.body.client_id === 'dev-quiet')).toBe(true);
    // A ka_check without msg_id gets no reply, so it must not consume the report.
    edge.send({ type: 'ka_check' });
    const check = await edge.request({ type: 'ka_check' });
    expect(check.body).toMatchObject({ expired: ['dev-quiet'], active: ['dev-live'] });
    // Reported once.
    expect((await edge.request({ type: 'ka_check' })).body).toMatchObject({ expired: [], active: ['dev-live'] });
    // Its last client, now alone, is closed like any lone client.
    expect((await edge.closed).code).toBe(4000);
  });

  it('an edge whose clients all fall silent together gets ka_expired for each but the last, then the 4000 close', async () => {
    const edge = await TestClient.open(gw.wsUrl(), { autoPong: false });
    const ids = Array.from({ length: 50 }, (_, i) => `herd-${i}`);
    for (const id of ids) edge.send({ type: 'ka_register', client_id: id, timeout_ms: 300, ping_interval_ms: 60000 });
    await edge.request({ type: 'ka_check' });
    const closed = await edge.closed;
    expect(closed).toMatchObject({ code: 4000, reason: 'keepalive timeout' });
    const expired = edge.ofType('ka_expired').map((m) => m.body.client_id as string);
    expect(expired).toHaveLength(49);
    expect(new Set(expired).size).toBe(49);
    for (const id of expired) expect(ids).toContain(id);
  });

  it('ka_pong answers a ping and is never answered itself', async () => {
    const edge = await TestClient.open(gw.wsUrl(), { autoPong: false });
    await edge.register('pong-a', 800, 100);
    await edge.register('pong-b', 800, 100);
    const timer = setInterval(() => {
      for (const id of ['pong-a', 'pong-b']) edge.send({ type: 'ka_pong', client_id: id, msg_id: 99 });
    }, 100);
    await sleep(1800);
    clearInterval(timer);
    expect(edge.isOpen).toBe(true);
    expect(edge.ofType('ka_expired')).toHaveLength(0);
    expect(edge.inbox.filter((m) => m.body.in_reply_to === 99)).toHaveLength(0);
    edge.close();
  });

  it('a connection closed by its client removes its clients, counted as closed, not expired', async () => {
    const before = (await gw.get('/metrics')).text;
    const c = await TestClient.open(gw.wsUrl());
    await c.register('leaver-1', 300, 100);
    await c.register('leaver-2', 300, 100);
    c.close();
    await c.closed;
    await sleep(600);
    const status = JSON.parse((await gw.get('/status')).text) as { connections: { client_id: string }[] };
    expect(status.connections.map((e) => e.client_id)).not.toContain('leaver-1');
    const after = (await gw.get('/metrics')).text;
    const delta = (series: string): number => metric(after, series) - metric(before, series);
    expect(delta('keepwatch_client_removals_total{reason="connection_closed"}')).toBe(2);
    expect(delta('keepwatch_expiries_total{action="closed"}')).toBe(0);
    expect(delta('keepwatch_expiries_total{action="notified"}')).toBe(0);
    expect(gw.logs.some((l) => l.event === 'expired' && String(l.clientId).startsWith('leaver'))).toBe(false);
  });
});

describe('gateway ping jitter', () => {
  const gw = useGateway({ args: ['--ping-jitter-ms', '1000'] });

  it('spreads the pings of clients registered in the same instant over min(jitter, ping_interval/10)', async () => {
    // A 500 ms window (interval 5 s), 10 slots of 50 ms: the test stamps a ping when its loop reads it, and on a
    // loaded machine (load 16-19) a test process descheduled for ~50 ms read a 100 ms window's (interval 1 s)
    // slots of 12.5 ms together and saw them 33 ms apart (6 runs in 12). Wide enough that its lateness is noise.
    const intervalMs = 5000;
    const windowMs = intervalMs / 10;
    const edge = await TestClient.open(gw.wsUrl());
    const ids = Array.from({ length: 300 }, (_, i) => `cohort-${i}`);
    // Stamped before sending: the server cannot have registered any of them earlier.
    const registered = performance.now();
    for (const id of ids) edge.send({ type: 'ka_register', client_id: id, timeout_ms: 60000, ping_interval_ms: intervalMs });
    await edge.request({ type: 'ka_check' });
    await sleep(intervalMs + windowMs);
    for (let waited = 0; edge.ofType('ka_ping').length < 300 && waited < 5000; waited += 50) await sleep(50);
    const pings = edge.ofType('ka_ping');
    expect(pings).toHaveLength(300);
    const times = pings.map((m) => m.at - registered);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(intervalMs - 10);
    const spread = Math.max(...times) - Math.min(...times);
    expect(spread).toBeGreaterThanOrEqual(0.4 * windowMs);
    // No millisecond holds more than a fraction of the cohort.
    const perMs = new Map<number, number>();
    for (const t of times) perMs.set(Math.floor(t), (perMs.get(Math.floor(t)) ?? 0) + 1);
    expect(Math.max(...perMs.values())).toBeLessThan(150);
    edge.close();
  });
});
