import { describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../gateway/helpers/gateway-process.js';
import { sleep } from '../gateway/helpers/ws-client.js';
import { reapsOf, useFleet, waitFor, type Fleet } from './helpers/fleet.js';
import { openMany } from './helpers/mux-client.js';

const LEASE_MS = 1000;
/** A gateway whose event loop has been silent this long stops renewing (3 leases). */
const LOOP_SILENCE_MS = 3 * LEASE_MS;
/** Added to real-time bounds: the machine is a shared, loaded 2-core box. */
const LOAD_SLACK_MS = 1500;
/** Long enough that nobody expires during a test: every leave seen is a reap. */
const CLIENT_TIMEOUT_MS = 600_000;
const CLIENTS = 200;

/**
 * The lease is renewed by its own thread, so a gateway whose event loop is
 * busy (a registration storm on a starved machine) keeps its lease; only a
 * loop silent for 3 leases stops the renewals, so a hung gateway is still
 * reaped. GET /test/stall blocks the gateway's event loop.
 */
describe('a gateway whose event loop is busy (lease 1 s, standalone Redis)', () => {
  let fleet: Fleet;
  let gateways: GatewayProcess[];
  useFleet('standalone', (started, gws) => ([fleet, gateways] = [started, gws]), 120_000, ['--cluster-lease-ms', String(LEASE_MS)]);

  it('busy 2 s (two leases, under three): it keeps its lease: nothing reaped, not fenced, its clients stay open', async () => {
    const [a, b, c] = gateways;
    const held = await openMany(c.wsUrl(), 'busy2', CLIENTS, 2, CLIENT_TIMEOUT_MS);
    await fleet.checkInvariant([a, b, c]);
    const inc = await fleet.incarnationOf(c);

    const stall = await c.get('/test/stall?ms=2000');
    expect(JSON.parse(stall.text)).toEqual({ stalled_ms: 2000 });
    // A lapsed lease would be reaped within a reap check of lapsing: give it a lease more.
    await sleep(LEASE_MS + 500);

    expect(reapsOf(await fleet.events(), inc)).toEqual([]);
    expect((await fleet.nodes()).fenced.has(inc)).toBe(false);
    expect(await fleet.incarnationOf(c)).toBe(inc);
    for (const conn of held.clients) expect(conn.isOpen).toBe(true);
    expect(c.logs.filter((l) => l.event === 'cluster_fenced' || l.event === 'cluster_lease_withheld')).toEqual([]);
    await fleet.checkInvariant([a, b, c]);
    for (const conn of held.clients) conn.close();
    await fleet.checkInvariant([a, b, c]);
  }, 60_000);

  it('busy 5 s (over three leases): it withholds its renewals, a survivor reaps its clients; on resuming it closes them with 4005 under a new incarnation', async () => {
    const [a, b, c] = gateways;
    const held = await openMany(c.wsUrl(), 'busy5', CLIENTS, 2, CLIENT_TIMEOUT_MS);
    await fleet.checkInvariant([a, b, c]);
    const oldInc = await fleet.incarnationOf(c);

    const stalledAt = Date.now();
    const stall = c.get('/test/stall?ms=5000');
    const reaps = await waitFor(
      'the hung gateway reaped',
      async () => {
        const found = reapsOf(await fleet.events(), oldInc);
        return found.length >= CLIENTS ? found : undefined;
      },
      LOOP_SILENCE_MS + LEASE_MS + LOAD_SLACK_MS + 10_000,
    );
    const firstMs = Math.min(...reaps.map((e) => e.ms)) - stalledAt;
    const lastMs = Math.max(...reaps.map((e) => e.ms)) - stalledAt;
    console.log(`loop stalled -> its ${CLIENTS} clients declared gone: first ${firstMs} ms, last ${lastMs} ms (bound ${LOOP_SILENCE_MS + LEASE_MS} ms)`);
    // Renewed while the loop was silent for less than three leases; reaped within a lease after that.
    expect(firstMs).toBeGreaterThanOrEqual(LOOP_SILENCE_MS);
    expect(lastMs).toBeLessThanOrEqual(LOOP_SILENCE_MS + LEASE_MS + LOAD_SLACK_MS);
    expect(reaps.map((e) => e.client_id).sort()).toEqual([...held.ids].sort());
    await fleet.checkInvariant([a, b]);

    expect(JSON.parse((await stall).text)).toEqual({ stalled_ms: 5000 });
    for (const conn of held.clients) expect(await conn.closed).toMatchObject({ code: 4005, reason: 'cluster lease lost' });
    expect(c.logs.some((l) => l.event === 'cluster_lease_withheld' && l.incarnation === oldInc)).toBe(true);
    const newInc = await waitFor('a new incarnation', async () => {
      const inc = await fleet.incarnationOf(c);
      return inc !== oldInc ? inc : undefined;
    }, 10_000);
    expect(newInc.startsWith('gw-c.')).toBe(true);
    await waitFor('a lease for the new incarnation', async () => ((await fleet.nodes()).live.includes(newInc) ? true : undefined), 5000);
    expect((await fleet.nodes()).fenced.has(oldInc)).toBe(true);
    // None of its old state comes back; each client was declared gone exactly once.
    await sleep(LEASE_MS);
    const owners = await fleet.owners();
    for (const id of held.ids) expect(owners.has(id)).toBe(false);
    expect(reapsOf(await fleet.events(), oldInc)).toHaveLength(CLIENTS);
    await fleet.checkInvariant([a, b, c]);
  }, 90_000);
});
