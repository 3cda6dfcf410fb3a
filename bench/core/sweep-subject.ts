import type { SweepBatch } from '../../src/core/index.js';
import { KeepAliveMonitor } from '../../src/monitor/monitor.js';
import { LazyHeapMonitor } from '../baselines/lazy-heap-monitor.js';
import { MapMonitor } from '../baselines/map-monitor.js';

/**
 * What the virtual-time sweep scenarios drive: anything that registers,
 * heartbeats and sweeps at a time passed in. Synchronous, so one sweep's
 * latency is one call.
 */
export interface SweepSubject {
  readonly label: string;
  register(id: string, timeoutMs: number, now: number): void;
  heartbeat(id: string, now: number): void;
  /**
   * Sweeps at `now`; returns how many clients expired. A promise when the
   * sweep runs elsewhere (worker shards): then its latency is end to end.
   */
  sweep(now: number): number | Promise<number>;
  /** The ids the last sweep expired: the first n entries, n what `sweep` returned (a buffer the next sweep reuses). */
  lastExpired(): readonly string[];
  /**
   * True when the last sweep stopped at its step limit with more due (a
   * subject that hands out bounded batches, as the live monitor does): the
   * caller sweeps again at the same time.
   */
  moreDue?(): boolean;
  /** Time the last sweep spent in a worker (ns), when it ran on one. */
  lastWorkerNs?(): number;
  /** Runs before a scenario: a worker subject boots its threads and warms their JIT. */
  warmUp?(): Promise<void>;
  /** Called when setup is over and measuring begins (worker subjects start their pause probe). */
  startPauseProbe?(): void;
  /** The longest main-thread pause since startPauseProbe (ns). */
  pauseNs?(): number;
  /** Releases threads or timers the subject holds. */
  close?(): Promise<void>;
}

/**
 * keepwatch in process. `stepLimit`: each sweep hands out or moves at most
 * that many clients, as the live monitor's timer-driven sweep does
 * (SWEEP_STEP_LIMIT); the scenario sweeps again while `moreDue`.
 */
export function keepwatchSubject(shards: number, stepLimit = Infinity): SweepSubject & { monitor: KeepAliveMonitor } {
  // The sweep's batch is how an embedding server gets its expiries; the
  // queue for ka_check is the stdio node's business, so it is off here.
  const monitor = new KeepAliveMonitor({ shards, queueExpiryReports: false });
  let last: SweepBatch | undefined;
  const stepped = stepLimit === Infinity ? '' : `, steps of ${stepLimit}`;
  return {
    label: `keepwatch ${shards} shard${shards === 1 ? '' : 's'}${stepped}`,
    monitor,
    register: (id, timeoutMs, now) => void monitor.register(id, { timeoutMs }, now),
    heartbeat: (id, now) => void monitor.heartbeat(id, now),
    sweep: (now) => {
      last = monitor.sweep(now, stepLimit);
      return last.expiredCount;
    },
    lastExpired: () => last?.expiredIds ?? [],
    moreDue: () => monitor.moreDue,
  };
}

export function mapSubject(): SweepSubject & { map: MapMonitor } {
  const map = new MapMonitor();
  return {
    label: 'Map scanned per sweep',
    map,
    register: (id, timeoutMs, now) => map.register(id, timeoutMs, now),
    heartbeat: (id, now) => void map.heartbeat(id, now),
    sweep: (now) => map.sweep(now),
    lastExpired: () => map.expired,
  };
}

export function lazyHeapSubject(): SweepSubject & { heap: LazyHeapMonitor } {
  const heap = new LazyHeapMonitor();
  return {
    label: 'plain binary heap, lazy re-keying',
    heap,
    register: (id, timeoutMs, now) => heap.register(id, timeoutMs, now),
    heartbeat: (id, now) => void heap.heartbeat(id, now),
    sweep: (now) => heap.sweep(now),
    lastExpired: () => heap.expired,
  };
}
