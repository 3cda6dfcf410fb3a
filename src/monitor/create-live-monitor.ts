import { InProcessLiveMonitor, type InProcessLiveMonitorOptions, type LiveMonitor } from './live-monitor.js';
import { WorkerLiveMonitor } from './workers/worker-live-monitor.js';

/**
 * Bounds of the command lines' --shards and --workers. Each shard costs its
 * first pages of shared memory up front (~0.5 MB at 100,000 shards became
 * 495 MB and 2.3 s before the first request), and more threads than cores
 * only add hand-offs.
 */
export const MAX_SHARDS = 1024;
export const MAX_WORKERS = 256;

export interface CreateLiveMonitorOptions extends InProcessLiveMonitorOptions {
  /** Worker threads serving the shards; 0 (default) keeps them in process. */
  workers?: number;
  /** With workers: the file they load (default: the compiled entry beside the worker monitor). */
  workerEntry?: string;
}

/** The live monitor a transport asks for, in process or on workers. */
export function createLiveMonitor(options: CreateLiveMonitorOptions = {}): LiveMonitor {
  const { workers = 0, workerEntry, ...common } = options;
  if (!Number.isInteger(workers) || workers < 0) throw new RangeError(`workers must be an integer >= 0, got ${workers}`);
  return workers > 0 ? new WorkerLiveMonitor({ ...common, workers, workerEntry }) : new InProcessLiveMonitor(common);
}
