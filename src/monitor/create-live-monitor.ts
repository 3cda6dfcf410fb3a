import { InProcessLiveMonitor, type InProcessLiveMonitorOptions, type LiveMonitor } from './live-monitor.js';
import { WorkerLiveMonitor } from './workers/worker-live-monitor.js';

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
