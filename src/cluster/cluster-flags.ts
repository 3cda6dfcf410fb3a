import { hostname } from 'node:os';
import { parseDecimalWhole } from '../protocol/decimal-whole.js';
import { ClusterArgError, DEFAULT_CLUSTER_TIMINGS, parseClusterSeeds, parseRedisUrl, type ClusterOptions } from './cluster-options.js';

export interface ClusterFlagValues {
  redis?: string;
  'redis-cluster'?: string;
  'node-id'?: string;
  'cluster-lease-ms'?: string;
}

/**
 * --redis URL | --redis-cluster HOST:PORT,... [--node-id ID] [--cluster-lease-ms N]
 * -> cluster options, or undefined (no Redis: the gateway runs alone).
 * The renewal and reap-check periods follow the lease (1/6 and 1/30 of it).
 */
export function parseClusterFlags(values: ClusterFlagValues, usageError: (message: string) => Error): ClusterOptions | undefined {
  const { redis, 'redis-cluster': seeds, 'node-id': nodeId, 'cluster-lease-ms': leaseRaw } = values;
  if (redis !== undefined && seeds !== undefined) throw usageError('--redis and --redis-cluster are exclusive');
  if (redis === undefined && seeds === undefined) {
    if (nodeId !== undefined || leaseRaw !== undefined) throw usageError('--node-id and --cluster-lease-ms need --redis or --redis-cluster');
    return undefined;
  }
  if (nodeId !== undefined && !/^[A-Za-z0-9_.:-]{1,64}$/.test(nodeId)) {
    throw usageError(`--node-id must be 1-64 characters of A-Z a-z 0-9 _ . : -, got '${nodeId}'`);
  }
  const leaseMs = leaseRaw === undefined ? DEFAULT_CLUSTER_TIMINGS.leaseMs : parseDecimalWhole(leaseRaw);
  if (leaseMs === undefined || leaseMs < 300 || leaseMs > 600_000) {
    throw usageError(`--cluster-lease-ms must be an integer in 300..600000, got '${leaseRaw}'`);
  }
  try {
    return {
      redis: redis !== undefined ? parseRedisUrl(redis) : parseClusterSeeds(seeds as string),
      nodeId: nodeId ?? `${hostname()}-${process.pid}`,
      leaseMs,
      renewMs: Math.round(leaseMs / 6),
      reapCheckMs: Math.max(10, Math.round(leaseMs / 30)),
      seenFlushMs: DEFAULT_CLUSTER_TIMINGS.seenFlushMs,
    };
  } catch (error) {
    if (error instanceof ClusterArgError) throw usageError(error.message);
    throw error;
  }
}
