import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_KEYS } from '../../src/cluster/key-layout.js';
import type { GatewayProcess } from '../gateway/helpers/gateway-process.js';
import { sleep } from '../gateway/helpers/ws-client.js';
import { Fleet } from './helpers/fleet.js';
import { openMany } from './helpers/mux-client.js';

/** The default lease: a restart (a new thread loads ioredis and connects) must fit in what is left of it. */
const LEASE_MS = 3000;
/** Long enough that nobody expires during the test: every leave seen would be a reap. */
const CLIENT_TIMEOUT_MS = 600_000;
const CLIENTS = 100;

/** The lease's expiry (Redis ms) as the lease set holds it; undefined once the lease is gone. */
async function leaseExpiry(fleet: Fleet, incarnation: string): Promise<number | undefined> {
  const score = await fleet.inspect.zscore(NODE_KEYS.leases, incarnation);
  return score === null ? undefined : Number(score);
}

/**
 * The lease is renewed on its own worker thread (lease-thread.ts); a thread
 * that dies after the gateway joined is restarted at once.
 * GET /test/lease-thread-fail makes the thread throw. Two gateways: gw-b is
 * the survivor that would reap gw-a if its lease lapsed.
 */
describe('a gateway whose lease thread fails (default lease 3 s, standalone Redis)', () => {
  let fleet: Fleet;
  let a: GatewayProcess;
  let b: GatewayProcess;
  beforeAll(async () => {
    fleet = await Fleet.start('standalone');
    [a, b] = await Promise.all(['gw-a', 'gw-b'].map((name) => fleet.gateway(name, ['--cluster-lease-ms', String(LEASE_MS)])));
  }, 120_000);
  afterAll(async () => {
    await fleet?.stop();
  }, 30_000);

  it('the thread is restarted and renews again: the gateway keeps its lease, is neither reaped nor fenced, its clients stay open', async () => {
    const held = await openMany(a.wsUrl(), 'lt', CLIENTS, 2, CLIENT_TIMEOUT_MS);
    await fleet.checkInvariant([a, b]);
    const inc = await fleet.incarnationOf(a);

    const fail = await a.get('/test/lease-thread-fail');
    expect(JSON.parse(fail.text)).toEqual({ lease_thread: 'failing' });
    const failed = await a.waitForLog((l) => l.event === 'cluster_lease_thread_failed', 5000);
    expect(failed).toMatchObject({ incarnation: inc, err: 'test hook: the lease thread failed', restartInMs: 0 });
    // The dead thread renews nothing: the expiry moves again only once a restarted thread renews.
    const expiryAtFailure = await leaseExpiry(fleet, inc);
    expect(expiryAtFailure).toBeDefined();
    const deadline = performance.now() + 5000;
    let expiry = expiryAtFailure;
    while (expiry === expiryAtFailure && performance.now() < deadline) {
      await sleep(20);
      expiry = await leaseExpiry(fleet, inc);
    }
    const afterMs = Math.round(performance.now() - failed.at);
    console.log(`lease thread failed -> lease ${expiry === undefined ? 'gone (reaped)' : 'renewed again'} after ${afterMs} ms (lease ${LEASE_MS} ms)`);
    const clusterLines = JSON.stringify(a.logs.filter((l) => l.event?.startsWith('cluster_') === true));
    expect(expiry ?? -1, `the lease expiry once a restarted thread renews (-1: the lease was reaped); gw-a logged ${clusterLines}`).toBeGreaterThan(expiryAtFailure ?? Infinity);
    const restarted = await a.waitForLog((l) => l.event === 'cluster_lease_thread_restarted', 5000);
    expect(restarted).toMatchObject({ incarnation: inc });
    console.log(`the gateway's own count, failure to first renewal: ${String(restarted.afterMs)} ms`);

    // Without the restart the lease lapses within a lease and gw-b reaps gw-a: give it two more.
    await sleep(2 * LEASE_MS);
    expect((await fleet.events()).filter((e) => e.type === 'reap')).toEqual([]);
    const nodes = await fleet.nodes();
    expect(nodes.live).toContain(inc);
    expect(nodes.fenced.has(inc)).toBe(false);
    expect(await fleet.incarnationOf(a)).toBe(inc);
    for (const conn of held.clients) expect(conn.isOpen).toBe(true);
    expect(a.logs.filter((l) => l.event === 'cluster_fenced' || l.event === 'cluster_lease_withheld')).toEqual([]);
    expect(a.logs.filter((l) => l.event === 'cluster_lease_thread_failed')).toHaveLength(1);
    await fleet.checkInvariant([a, b]);
    for (const conn of held.clients) conn.close();
    await fleet.checkInvariant([a, b]);
  }, 60_000);
});
