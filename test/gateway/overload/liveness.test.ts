import { describe, expect, it } from 'vitest';
import { metric, useGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { sleep, TestClient } from '../helpers/ws-client.js';

/**
 * Issue 8, items 1 and 2, end to end. Overload: concurrent loops of
 * GET /test/stall?ms=STALL_MS, so that one turn of the server's event loop
 * reads several of them back to back and the victims' heartbeats wait in
 * their sockets for longer than their timeout. The gateway must not expire
 * a client whose heartbeat it has not read yet; it must still expire the
 * silent ones, and close their sockets.
 */
const VICTIMS = 20;
const TIMEOUT_MS = 1500;
const HEARTBEAT_MS = 250;
const STALL_MS = 250;
/**
 * Stall loops per I/O thread: the kernel spreads them over the threads, and a
 * thread's turn must read enough of them back to back (5 x 250 ms on each of
 * 2 threads fell short of the 1,500 ms timeout in a CI run).
 */
const STALL_LOOPS = 10 * Number(process.env.KEEPWATCH_TEST_THREADS ?? 1);
const FLOOD_MS = 6000;

async function floodAndWatch(gw: GatewayProcess, prefix: string): Promise<void> {
  const victims = await Promise.all(Array.from({ length: VICTIMS }, () => TestClient.open(gw.wsUrl(), { autoPong: false })));
  await Promise.all(victims.map((c, i) => c.register(`${prefix}-v${i}`, TIMEOUT_MS, 60_000)));
  // A silent client: the guard must not turn expiry off altogether.
  const silent = await TestClient.open(gw.wsUrl(), { autoPong: false });
  await silent.register(`${prefix}-silent`, TIMEOUT_MS, 60_000);
  const before = (await gw.get('/metrics')).text;

  let maxRoundTripMs = 0;
  const beats = setInterval(() => {
    victims.forEach((c, i) => {
      if (!c.isOpen) return;
      const sent = performance.now();
      c.request({ type: 'ka_heartbeat', client_id: `${prefix}-v${i}` }, 60_000).then(
        () => (maxRoundTripMs = Math.max(maxRoundTripMs, performance.now() - sent)),
        () => undefined,
      );
    });
  }, HEARTBEAT_MS);
  const until = performance.now() + FLOOD_MS;
  const loop = async (): Promise<void> => {
    while (performance.now() < until) {
      await fetch(gw.url(`/test/stall?ms=${STALL_MS}`), { signal: AbortSignal.timeout(30_000) }).then((r) => r.text());
    }
  };
  try {
    await Promise.all(Array.from({ length: STALL_LOOPS }, loop));
    await sleep(2 * HEARTBEAT_MS);
  } finally {
    clearInterval(beats);
  }
  // The overload was real: heartbeats waited in the sockets for longer than the timeout.
  expect(maxRoundTripMs).toBeGreaterThan(TIMEOUT_MS);
  const closedVictims = victims.filter((c) => !c.isOpen).map((c) => c.closedWith);
  expect(closedVictims).toEqual([]);
  const after = (await gw.get('/metrics')).text;
  expect(metric(after, 'keepwatch_expiries_total{action="closed"}') - metric(before, 'keepwatch_expiries_total{action="closed"}')).toBe(1);
  // The silent one was expired, and its socket closed, during the flood.
  expect((await silent.closed).code).toBe(4000);
  victims.forEach((c) => c.close());
}

describe('heartbeats left unread by an overloaded loop (in process)', () => {
  const gw = useGateway();
  it('expire nobody who kept heartbeating; the silent client is still closed with 4000', async () => {
    await floodAndWatch(gw, 'ip');
  }, 60_000);
});

describe('heartbeats left unread by an overloaded loop (--workers 2)', () => {
  const gw = useGateway({ args: ['--workers', '2', '--shards', '2'] });
  it('expire nobody who kept heartbeating; the silent client is still closed with 4000', async () => {
    await floodAndWatch(gw, 'wk');
  }, 60_000);
});
