import { describe, expect, it } from 'vitest';
import { metric, useGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { sleep, TestClient } from '../helpers/ws-client.js';

/**
 * Issue 8, item 2: expiry and close are one act. Each client heartbeats
 * 1 to 5 ms after its deadline, racing the sweep that expires it. Whichever
 * wins, the outcome must be consistent: an expired client's socket is
 * closed with 4000 (and counted), a client whose heartbeat won stays both
 * connected and registered. No connection may be left open without its client.
 */
const CLIENTS = 300;
const TIMEOUT_MS = 300;
const SETTLE_MS = 4000;
const RACE_MS = 5000;
const EDGE_CLIENTS = 5000;
/** Registered before the racing clients, they expire during the races. */
const EDGE_TIMEOUT_MS = 2500;

async function lateHeartbeats(gw: GatewayProcess, prefix: string): Promise<void> {
  const before = (await gw.get('/metrics')).text;
  // A multiplexed edge whose clients expire in the same rounds: rounds take longer
  // (several settle chunks), which widens the window where a heartbeat meets a decided expiry.
  const edge = await TestClient.open(gw.wsUrl(), { autoPong: false });
  for (let i = 0; i < EDGE_CLIENTS; i++) edge.send({ type: 'ka_register', client_id: `${prefix}-edge-${i}`, timeout_ms: EDGE_TIMEOUT_MS, ping_interval_ms: 60_000 });
  const listed = await edge.request({ type: 'ka_check' }, 20_000);
  expect(listed.body.active).toHaveLength(EDGE_CLIENTS);
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => TestClient.open(gw.wsUrl(), { autoPong: false })));
  await Promise.all(
    clients.map(async (c, i) => {
      await c.register(`${prefix}-${i}`, TIMEOUT_MS, 60_000);
      // Race again and again: a heartbeat that wins starts a new life, and the next one races its deadline.
      const until = performance.now() + RACE_MS;
      while (c.isOpen && performance.now() < until) {
        await sleep(TIMEOUT_MS + 1 + (i % 5));
        if (c.isOpen) c.send({ type: 'ka_heartbeat', client_id: `${prefix}-${i}`, msg_id: 7 });
      }
    }),
  );
  await sleep(SETTLE_MS);
  const open = clients.filter((c) => c.isOpen);
  const closed = clients.filter((c) => !c.isOpen);
  for (const c of closed) expect(c.closedWith?.code).toBe(4000);
  const health = JSON.parse((await gw.get('/healthz')).text) as { connections: number; clients: number };
  // Every connection still open holds its client: none was expired without its close.
  expect({ connections: health.connections, clients: health.clients }).toEqual({ connections: open.length, clients: open.length });
  const after = (await gw.get('/metrics')).text;
  const expiries = metric(after, 'keepwatch_expiries_total{action="closed"}') - metric(before, 'keepwatch_expiries_total{action="closed"}');
  // The edge's last client, alone on it by then, closes it with 4000 too.
  expect((await edge.closed).code).toBe(4000);
  expect(expiries).toBe(closed.length + 1);
  expect(metric(after, 'keepwatch_expiries_total{action="notified"}') - metric(before, 'keepwatch_expiries_total{action="notified"}')).toBe(EDGE_CLIENTS - 1);
  // Most lose the race (the sweep runs at the deadline); the test is about consistency, not who wins.
  expect(closed.length).toBeGreaterThan(0);
  open.forEach((c) => c.close());
  await Promise.all(open.map((c) => c.closed));
}

describe('heartbeats 1-5 ms after the deadline (in process)', () => {
  const gw = useGateway();
  it('every expired client is closed with 4000; no connection is left without its client', async () => {
    await lateHeartbeats(gw, 'ip');
  });
});

describe('heartbeats 1-5 ms after the deadline (--workers 2)', () => {
  const gw = useGateway({ args: ['--workers', '2', '--shards', '4'] });
  it('every expired client is closed with 4000; no connection is left without its client', async () => {
    await lateHeartbeats(gw, 'wk');
  });
});
