import { keepwatchSubject, mapSubject, workerSubject, wsPatternSubject, type SweepSubject } from './subjects.js';

/**
 * One row of the suite per entry. Adding an implementation (say, another
 * shards-on-workers layout) is one line here. `pace` sets how many sweeps a
 * scenario runs: 'fast' for sub-microsecond sweeps, 'async' for sweeps
 * that hop to a worker and back, 'scan' for whole-population walks.
 */
export interface SuiteEntry {
  label: string;
  make: () => SweepSubject;
  pace: 'fast' | 'async' | 'scan';
  /** Sweeps run on worker threads: report in-worker time and the event-loop pause. */
  onWorkers: boolean;
  /** Baselines are what keepwatch is compared with. */
  baseline: boolean;
  /** Expires exactly at the deadline: its expired sets must match the other exact entries' (the ws pattern is a tick late). */
  exact: boolean;
}

const inProcess = (shards: number): SuiteEntry => ({
  label: `keepwatch ${shards} shard${shards === 1 ? '' : 's'} in process`,
  make: () => keepwatchSubject(shards),
  pace: 'fast',
  onWorkers: false,
  baseline: false,
  exact: true,
});

const onWorkers = (shards: number, workers: number): SuiteEntry => ({
  label: `keepwatch ${shards} shard${shards === 1 ? '' : 's'} on ${workers} worker${workers === 1 ? '' : 's'}`,
  make: () => workerSubject(shards, workers),
  pace: 'async',
  onWorkers: true,
  baseline: false,
  exact: true,
});

export const MAP_LABEL = 'Map scanned per sweep';

export const SWEEP_ENTRIES: readonly SuiteEntry[] = [
  inProcess(1),
  inProcess(2),
  inProcess(4),
  onWorkers(1, 1),
  onWorkers(2, 2),
  onWorkers(4, 2),
  { label: MAP_LABEL, make: mapSubject, pace: 'scan', onWorkers: false, baseline: true, exact: true },
  { label: 'ws README pattern (isAlive walk per tick)', make: wsPatternSubject, pace: 'scan', onWorkers: false, baseline: true, exact: false },
];

/** The mass expiry at scale (1,000,000 by default): does the second worker help? */
export const SCALE_ENTRIES: readonly SuiteEntry[] = [onWorkers(2, 1), onWorkers(2, 2), inProcess(2)];
