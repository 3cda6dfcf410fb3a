import type { Clock } from './clock.js';
import { InProcessLiveMonitor, type LiveMonitor, type LiveMonitorEvents } from './live-monitor.js';
import { WorkerLiveMonitor } from './workers/worker-live-monitor.js';

export interface CreateLiveMonitorOptions {
  shards?: number;
  /** Worker threads serving the shards; 0 (default) keeps them in process. */
  workers?: number;
  trackPings?: boolean;
  /** See MonitorOptions.pingTickMs. */
  pingTickMs?: number;
  queueExpiryReports?: boolean;
  clock?: Clock;
  events?: LiveMonitorEvents;
  /** See MonitorOptions.sweepOnAccess. */
  sweepOnAccess?: boolean;
}

/** The live monitor a transport asks for, in process or on workers. */
export function createLiveMonitor(options: CreateLiveMonitorOptions = {}): LiveMonitor {
  const workers = options.workers ?? 0;
  if (!Number.isInteger(workers) || workers < 0) throw new RangeError(`workers must be an integer >= 0, got ${workers}`);
  if (workers > 0) {
    return new WorkerLiveMonitor({
      shards: options.shards,
      workers,
      trackPings: options.trackPings,
      pingTickMs: options.pingTickMs,
      queueExpiryReports: options.queueExpiryReports,
      clock: options.clock,
      events: options.events,
      sweepOnAccess: options.sweepOnAccess,
    });
  }
  return new InProcessLiveMonitor({
    shards: options.shards,
    trackPings: options.trackPings,
    pingTickMs: options.pingTickMs,
    queueExpiryReports: options.queueExpiryReports,
    clock: options.clock,
    events: options.events,
    sweepOnAccess: options.sweepOnAccess,
  });
}
