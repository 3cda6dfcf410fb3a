import { describe, expect, it } from 'vitest';
import { CLUSTER_SHARDS, shardKeys } from '../../src/cluster/key-layout.js';
import type { GatewayProcess } from '../gateway/helpers/gateway-process.js';
import { sleep } from '../gateway/helpers/ws-client.js';
import { useFleet, type Fleet } from './helpers/fleet.js';
import { openMany } from './helpers/mux-client.js';

/** More than one step of a flush pass (2,000 clients a step): the pass spans event-loop turns. */
const CLIENTS = 5000;
const CLIENT_TIMEOUT_MS = 600_000;
/** The flush period is 1 s; this is two of them and some slack for a loaded machine. */
const FLUSHED_WITHIN_MS = 2500;

describe('last-seen times reach Redis in batches (Redis Cluster, 3 masters)', () => {
  let fleet: Fleet;
  let gateways: GatewayProcess[];
  useFleet('cluster', (started, gws) => ([fleet, gateways] = [started, gws]));

  /** client_id -> last seen (epoch ms) as Redis holds it, for every id asked. */
  async function seenInRedis(ids: readonly string[]): Promise<Map<string, number>> {
    const wanted = new Set(ids);
    const out = new Map<string, number>();
    for (let s = 0; s < CLUSTER_SHARDS; s++) {
      for (const [id, ms] of Object.entries(await fleet.inspect.hgetall(shardKeys(s).seen))) if (wanted.has(id)) out.set(id, Number(ms));
    }
    return out;
  }

  it(`${CLIENTS} clients on one gateway: a heartbeat of each of half of them reaches Redis within the flush period; the silent half is not rewritten`, async () => {
    const [a] = gateways;
    const held = await openMany(a.wsUrl(), 'seen', CLIENTS, 4, CLIENT_TIMEOUT_MS);
    await sleep(FLUSHED_WITHIN_MS);
    const before = await seenInRedis(held.ids);
    expect(before.size).toBe(CLIENTS);

    const heartbeating = new Set(held.ids.filter((_, i) => i % 2 === 0));
    const sentAt = Date.now();
    await Promise.all(held.clients.map(async (conn, c) => {
      const per = Math.ceil(CLIENTS / held.clients.length);
      conn.sendHeartbeats(held.ids.slice(c * per, (c + 1) * per).filter((id) => heartbeating.has(id)));
      await conn.barrier();
    }));
    await sleep(FLUSHED_WITHIN_MS);
    const after = await seenInRedis(held.ids);

    const stale = [...heartbeating].filter((id) => (after.get(id) ?? 0) < sentAt - 50);
    expect(stale).toEqual([]);
    const rewritten = held.ids.filter((id) => !heartbeating.has(id) && after.get(id) !== before.get(id));
    expect(rewritten).toEqual([]);
    for (const conn of held.clients) conn.close();
    await fleet.checkInvariant(gateways);
  }, 90_000);
});
