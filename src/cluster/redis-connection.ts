import { Cluster, Redis } from 'ioredis';
import type { RedisTarget } from './cluster-options.js';
import { APPLY_OPS, REAP_BATCH, WRITE_SEEN } from './lua/shard-scripts.js';
import { CLAIM_DEAD, LEAVE, RENEW_LEASE, REAP_DONE } from './lua/node-scripts.js';

type Arg = string | number;

/** The scripts as ioredis commands (EVALSHA, falling back to EVAL once per connection). */
export interface ScriptCommands {
  kwApplyOps(k1: string, k2: string, k3: string, k4: string, k5: string, k6: string, ...argv: Arg[]): Promise<number | number[]>;
  kwWriteSeen(k1: string, k2: string, k3: string, ...argv: Arg[]): Promise<number | number[]>;
  kwReapBatch(k1: string, k2: string, k3: string, k4: string, k5: string, ...argv: Arg[]): Promise<[number, number]>;
  kwRenewLease(k1: string, k2: string, k3: string, k4: string, ...argv: Arg[]): Promise<[number]>;
  kwClaimDead(k1: string, k2: string, k3: string, k4: string, ...argv: Arg[]): Promise<string[]>;
  kwReapDone(k1: string, k2: string, ...argv: Arg[]): Promise<number>;
  kwLeave(k1: string, ...argv: Arg[]): Promise<number>;
}

export type RedisClient = (Redis | Cluster) & ScriptCommands;

const SCRIPTS: [keyof ScriptCommands, number, string][] = [
  ['kwApplyOps', 6, APPLY_OPS],
  ['kwWriteSeen', 3, WRITE_SEEN],
  ['kwReapBatch', 5, REAP_BATCH],
  ['kwRenewLease', 4, RENEW_LEASE],
  ['kwClaimDead', 4, CLAIM_DEAD],
  ['kwReapDone', 2, REAP_DONE],
  ['kwLeave', 1, LEAVE],
];

/**
 * A client for the target: `Redis` for a standalone server, `Cluster` for
 * Redis Cluster (slot routing, MOVED/ASK handled by ioredis). Commands
 * issued in the same event-loop turn go out in one write (auto-pipelining),
 * which is what batches a burst of registrations without a timer.
 */
export function createRedisClient(target: RedisTarget, name: string): RedisClient {
  const common = {
    enableAutoPipelining: true,
    connectionName: name,
    // Fail fast instead of queueing for ever while Redis is unreachable; callers retry on their own tick.
    maxRetriesPerRequest: 2,
    connectTimeout: 2000,
  };
  const client =
    target.kind === 'standalone'
      ? new Redis(target.url, { ...common, lazyConnect: true })
      : new Cluster(target.nodes, {
          enableAutoPipelining: true,
          lazyConnect: true,
          redisOptions: { connectionName: name, maxRetriesPerRequest: 2, connectTimeout: 2000 },
          clusterRetryStrategy: (times) => Math.min(100 * times, 1000),
        });
  for (const [name, numberOfKeys, lua] of SCRIPTS) client.defineCommand(name, { numberOfKeys, lua });
  return client as RedisClient;
}

/** One Redis server: a cluster master as its cluster client knows it. */
export interface ServerAddress {
  host: string;
  port: number;
}

/**
 * A plain connection to subscribe on one server: the standalone one (its
 * URL) or one master of a cluster. ioredis reconnects it for ever and
 * re-subscribes its channels after each reconnect; a subscribe issued while
 * it is away waits in its offline queue, never dropped after some retries
 * (a dropped one would not be re-subscribed either).
 */
export function createSubscriberConnection(server: string | ServerAddress, name: string): Redis {
  const options = { connectionName: name, connectTimeout: 2000, lazyConnect: true, maxRetriesPerRequest: null };
  return typeof server === 'string' ? new Redis(server, options) : new Redis({ ...options, host: server.host, port: server.port });
}

/** The masters a cluster client routes to now (known once it is connected; updated at each slots refresh). */
export function clusterMasters(client: Cluster): ServerAddress[] {
  const out: ServerAddress[] = [];
  for (const node of client.nodes('master')) {
    const { host, port } = node.options;
    if (host !== undefined && port !== undefined) out.push({ host, port });
  }
  return out;
}

/** Connects, bounded: a gateway told to use Redis refuses to start without it. */
export async function connectRedis(client: RedisClient, timeoutMs: number): Promise<void> {
  await within(client.connect(), timeoutMs, 'Redis not reachable');
}

/** `work`, or a rejection "<what> within <timeoutMs> ms" once that has passed. */
export async function within<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
