/** Where the cluster's Redis is: one server, or a Redis Cluster reached through seed nodes. */
export type RedisTarget =
  | { kind: 'standalone'; url: string }
  | { kind: 'cluster'; nodes: { host: string; port: number }[] };

export interface ClusterOptions {
  redis: RedisTarget;
  /** A stable name for this gateway; each start adds a fresh incarnation to it. */
  nodeId: string;
  /** How long a lease lasts without renewal (Redis clock). */
  leaseMs: number;
  /** How often the lease is renewed. */
  renewMs: number;
  /** How often a gateway looks for lapsed leases. */
  reapCheckMs: number;
  /** How often last-seen times are written to Redis. */
  seenFlushMs: number;
}

export const DEFAULT_CLUSTER_TIMINGS = {
  leaseMs: 3000,
  renewMs: 500,
  reapCheckMs: 100,
  seenFlushMs: 1000,
} as const;

export class ClusterArgError extends Error {}

/** --redis URL: redis://[user:pass@]host:port[/db]. */
export function parseRedisUrl(raw: string): RedisTarget {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ClusterArgError(`--redis must be a redis:// URL, got '${raw}'`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new ClusterArgError(`--redis must be a redis:// URL, got '${raw}'`);
  return { kind: 'standalone', url: raw };
}

/** --redis-cluster HOST:PORT,HOST:PORT,... (seed nodes; the rest are discovered). */
export function parseClusterSeeds(raw: string): RedisTarget {
  const nodes = raw.split(',').map((part) => {
    const m = /^([^:,\s]+):(\d{1,5})$/.exec(part.trim());
    const port = m === null ? NaN : Number(m[2]);
    if (m === null || port < 1 || port > 65535) throw new ClusterArgError(`--redis-cluster takes HOST:PORT[,HOST:PORT...], got '${raw}'`);
    return { host: m[1], port };
  });
  return { kind: 'cluster', nodes };
}
