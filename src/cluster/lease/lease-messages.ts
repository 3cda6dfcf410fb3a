import type { RedisTarget } from '../cluster-options.js';

/**
 * What the main thread (lease-thread.ts) and the lease thread
 * (lease-renewer.ts) say to each other. A few messages per renewal period,
 * never per client.
 */

/** What the lease thread is started with (its workerData). */
export interface LeaseSetup {
  redis: RedisTarget;
  /** Redis CLIENT SETNAME of the thread's own connection. */
  connectionName: string;
  connectTimeoutMs: number;
  incarnation: string;
  leaseMs: number;
  renewMs: number;
  /** A main loop silent longer than this is hung: renewals are withheld. */
  maxLoopSilenceMs: number;
  /** The lease info ("node_id address clients") until the first 'alive'. */
  info: string;
}

/** Main -> lease thread. Any message counts as the main loop being alive. */
export type ToRenewer =
  | { kind: 'alive'; info: string }
  /** After a fence: renew at once under the fresh incarnation. */
  | { kind: 'incarnation'; incarnation: string }
  /** Test hook only (GET /test/lease-thread-fail): the thread throws, as a bug in it would. */
  | { kind: 'fail' };

/** Lease thread -> main. */
export type FromRenewer =
  | { kind: 'renewed'; incarnation: string; rttMs: number }
  | { kind: 'fenced'; incarnation: string }
  | { kind: 'failed'; message: string }
  | { kind: 'withheld'; silentMs: number };
