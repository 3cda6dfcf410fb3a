import type { ShardBuffers } from '../../core/index.js';

/**
 * The messages between the main thread and a shard worker. Everything a
 * task needs travels with it (the shard's SharedArrayBuffers, shared, not
 * copied), so any worker can serve any task and a fresh worker that
 * replaced a dead one needs nothing handed over.
 */
export type ShardTaskKind = 'sweep' | 'check' | 'status';

/** How a shard is built: the same on the main thread and in every worker. */
export interface ShardTaskOptions {
  trackPings: boolean;
  pingTickMs: number;
}

export interface ShardTask extends ShardTaskOptions {
  /** sweep: expire and ping what is due; check/status: the same (if `sweep`), then walk the registration order. */
  kind: ShardTaskKind;
  /** False for a check/status of a monitor that sweeps only on its timer (sweepOnAccess off). */
  sweep: boolean;
  shard: number;
  /** The time of the sweep (ms). */
  now: number;
  buffers: ShardBuffers;
}

/**
 * What a task found, as slots: the main thread reads the ids from its own
 * table (cheaper than decoding strings from shared memory and cloning them
 * back; see worker-live-monitor.ts). Expired slots are already released.
 */
export interface ShardTaskResult {
  expiredSlots: Int32Array;
  expiredDeadlines: Float64Array;
  expiredSeqs: Float64Array;
  pingSlots: Int32Array;
  pingHandles: Float64Array;
  /** check/status: the live slots in registration order, with their sequences and last_seen. */
  orderSlots: Int32Array;
  orderSeqs: Float64Array;
  orderLastSeen: Float64Array;
  /** Time spent in the worker (ms), for the benchmarks' hand-off cost. */
  workerMs: number;
}
