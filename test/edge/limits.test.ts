import { describe, expect, it } from 'vitest';
import { metric, useGateway, type GatewayProcess } from '../gateway/helpers/gateway-process.js';
import { sleep, TestClient } from '../gateway/helpers/ws-client.js';
import { upgradeStatus } from './helpers/tokens.js';

/** A client that behaves: one heartbeat with msg_id every `everyMs`; resolves with the replies' delays. */
async function behave(c: TestClient, clientId: string, forMs: number, everyMs = 100): Promise<number[]> {
  const delays: number[] = [];
  const until = performance.now() + forMs;
  while (performance.now() < until) {
    const sent = performance.now();
    await c.request({ type: 'ka_heartbeat', client_id: clientId }, 10_000);
    delays.push(performance.now() - sent);
    await sleep(everyMs);
  }
  return delays;
}

/**
 * A well-behaved client and a flooder on the server: `batch` heartbeats for
 * the flooder's id every `everyMs` until the gateway closes it (at most 8 s),
 * the well-behaved one heartbeating meanwhile. Resolves with the flooder's
 * close, its error 33 notices and the good client's reply delays.
 */
async function floodBeside(gw: GatewayProcess, batch: number, everyMs: number, behaveMs: number) {
  const good = await TestClient.open(gw.wsUrl());
  await good.register('good', 5000, 1000);
  const flooder = await TestClient.open(gw.wsUrl());
  await flooder.register('flood', 60_000, 30_000);
  const behaving = behave(good, 'good', behaveMs);
  const frame = JSON.stringify({ type: 'ka_heartbeat', client_id: 'flood' });
  const floodUntil = performance.now() + 8000;
  while (flooder.isOpen && performance.now() < floodUntil) {
    for (let i = 0; i < batch; i++) flooder.sendRaw(frame);
    await sleep(everyMs);
  }
  const closed = await flooder.closed;
  const warnings = flooder.ofType('error').filter((m) => m.body.code === 33);
  return { good, closed, warnings, delays: await behaving };
}

describe('--max-message-rate: token bucket, strikes, then 4011', () => {
  const gw = useGateway({ args: ['--max-message-rate', '100', '--rate-strikes', '2'] });

  it('a flooding connection gets error 33, then is closed with 4011; a well-behaved client on the same server is untouched', async () => {
    // 1000 frames every 50 ms (20,000/s).
    const { good, closed, warnings, delays } = await floodBeside(gw, 1000, 50, 4000);
    expect(closed).toMatchObject({ code: 4011, reason: 'message rate exceeded' });
    // One error per strike, not one per dropped message: the second strike closes.
    expect(warnings.length).toBe(1);
    expect(String(warnings[0].body.text)).toContain('message rate over 100/s');
    expect(good.isOpen).toBe(true);
    expect(good.ofType('error')).toEqual([]);
    expect(delays.length).toBeGreaterThan(10);
    const text = (await gw.get('/metrics')).text;
    expect(metric(text, 'keepwatch_connection_closes_total{reason="message_rate_exceeded"}')).toBe(1);
    expect(metric(text, 'keepwatch_rate_limited_messages_total')).toBeGreaterThan(100);
    good.close();
  });
});

describe('the default message rate (10,000/s, burst 1,000, 3 strikes)', () => {
  const gw = useGateway();

  it('closes a connection flooding frames with 4011 after two error 33 at most; a well-behaved client is untouched', async () => {
    // 5,000 frames every 10 ms (~500,000/s asked: over the burst at once).
    const { good, closed, warnings, delays } = await floodBeside(gw, 5000, 10, 2000);
    expect(closed).toMatchObject({ code: 4011, reason: 'message rate exceeded' });
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings.length).toBeLessThanOrEqual(2);
    expect(String(warnings[0].body.text)).toContain('message rate over 10000/s');
    expect(delays.length).toBeGreaterThan(5);
    expect(good.isOpen).toBe(true);
    expect(good.ofType('error')).toEqual([]);
    good.close();
  });

  it('a multiplexing edge registering 20,000 new ids at once (20 times the burst) is not limited: new ids cost no token', async () => {
    const limitedBefore = metric((await gw.get('/metrics')).text, 'keepwatch_rate_limited_messages_total');
    const edge = await TestClient.open(gw.wsUrl());
    for (let i = 0; i < 20_000; i++) edge.sendRaw(`{"type": "ka_register", "client_id": "mux-${i}", "timeout_ms": 60000, "ping_interval_ms": 30000}`);
    expect((await edge.request({ type: 'ka_heartbeat', client_id: 'mux-19999' }, 30_000)).body.type).toBe('ka_heartbeat_ok');
    expect(edge.ofType('error')).toEqual([]);
    expect(edge.isOpen).toBe(true);
    expect(metric((await gw.get('/metrics')).text, 'keepwatch_rate_limited_messages_total')).toBe(limitedBefore);
    edge.close();
  });
});

describe('--max-connections-per-ip', () => {
  const gw = useGateway({ args: ['--max-connections-per-ip', '2'] });

  it('one more upgrade from the address gets HTTP 429; a slot frees when a connection closes; the others are untouched', async () => {
    const a = await TestClient.open(gw.wsUrl());
    await a.register('ip-a', 5000, 1000);
    const b = await TestClient.open(gw.wsUrl());
    const refused = await upgradeStatus(gw.wsUrl());
    expect(refused.status).toBe(429);
    expect(refused.body).toContain('too many connections from this address');
    b.close();
    await b.closed;
    await sleep(100);
    const c = await TestClient.open(gw.wsUrl());
    expect((await a.request({ type: 'ka_heartbeat', client_id: 'ip-a' })).body).toMatchObject({ type: 'ka_heartbeat_ok' });
    expect(metric((await gw.get('/metrics')).text, 'keepwatch_upgrade_refusals_total{reason="per_ip"}')).toBe(1);
    a.close();
    c.close();
  });
});

describe('flapping ids', () => {
  const gw = useGateway({ args: ['--flap-max-registrations', '3', '--flap-window-ms', '10000', '--flap-penalty-ms', '1500'] });

  it('an id moved back and forth is refused with error 32 for the penalty, stays with its holder, then is allowed again; other ids are untouched', async () => {
    const x = await TestClient.open(gw.wsUrl());
    const y = await TestClient.open(gw.wsUrl());
    await x.register('keep-x', 5000, 1000);
    await y.register('keep-y', 5000, 1000);
    expect((await x.register('flappy', 5000, 1000)).body.type).toBe('ka_register_ok');
    expect((await y.register('flappy', 5000, 1000)).body.type).toBe('ka_register_ok');
    expect((await x.register('flappy', 5000, 1000)).body.type).toBe('ka_register_ok');
    const refused = await y.register('flappy', 5000, 1000);
    expect(refused.body).toMatchObject({ type: 'error', code: 32 });
    expect(String(refused.body.text)).toMatch(/retry in \d+ ms/);
    // It stayed with x: x's heartbeat for it works, y's is error 20.
    expect((await x.request({ type: 'ka_heartbeat', client_id: 'flappy' })).body.type).toBe('ka_heartbeat_ok');
    expect((await y.request({ type: 'ka_heartbeat', client_id: 'flappy' })).body).toMatchObject({ code: 20 });
    expect((await y.register('other-id', 5000, 1000)).body.type).toBe('ka_register_ok');
    await sleep(1700);
    expect((await y.register('flappy', 5000, 1000)).body.type).toBe('ka_register_ok');
    expect(metric((await gw.get('/metrics')).text, 'keepwatch_register_refusals_total{reason="flapping"}')).toBe(1);
    x.close();
    y.close();
  });
});

describe('--max-lifetime-ms', () => {
  const gw = useGateway({ args: ['--max-lifetime-ms', '1500'] });

  it('closes each connection with 4012 after the lifetime +-10%, spread by the jitter', async () => {
    // Stamped before connecting: the server cannot have opened any of them earlier. (Stamped once all ten
    // had opened, the stamp trailed the first open by as long as a loaded machine took over the other nine.)
    const opening = performance.now();
    const clients = await Promise.all(Array.from({ length: 10 }, () => TestClient.open(gw.wsUrl())));
    await Promise.all(clients.map((c, i) => c.register(`life-${i}`, 60_000, 30_000)));
    const closes = await Promise.all(clients.map((c) => c.closed));
    for (const closed of closes) {
      expect(closed).toMatchObject({ code: 4012, reason: 'connection lifetime reached, reconnect' });
      // Never before 90% of the lifetime (the server's clock reads whole ms: its open can be stamped up to
      // 1 ms before it happened); late only by load.
      expect(closed.at - opening).toBeGreaterThan(1350 - 1);
      expect(closed.at - opening).toBeLessThan(1650 + 3000);
    }
    const at = closes.map((c) => c.at);
    expect(Math.max(...at) - Math.min(...at)).toBeGreaterThan(20);
  });
});

describe('--allowed-origins', () => {
  const gw = useGateway({ args: ['--allowed-origins', 'https://app.example.com'] });

  it('refuses a browser upgrade from another origin (403); a listed origin and clients without Origin pass', async () => {
    const evil = await upgradeStatus(gw.wsUrl(), { headers: { origin: 'https://evil.example.com' } });
    expect(evil.status).toBe(403);
    expect((await upgradeStatus(gw.wsUrl(), { headers: { origin: 'https://app.example.com' } })).status).toBe(101);
    expect((await upgradeStatus(gw.wsUrl())).status).toBe(101);
    expect(metric((await gw.get('/metrics')).text, 'keepwatch_upgrade_refusals_total{reason="origin"}')).toBe(1);
  });
});
