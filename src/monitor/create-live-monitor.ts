import type { Clock } from './clock.js';
import { InProcessLiveMonitor, type LiveMonitor, type LiveMonitorEvents } from './live-monitor.js';

export interface CreateLiveMonitorOptions {
  shards?: number;
  /** Worker threads serving the shards; 0 (default) keeps them in process. */
  workers?: number;
  trackPings?: boolean;
  queueExpiryReports?: boolean;
  clock?: Clock;
  events?: LiveMonitorEvents;
  /** See MonitorOptions.sweepOnAccess. */
  sweepOnAccess?: boolean;
}

/** The live monitor a transport asks for, in process or on workers. */
export function createLiveMonitor(options: CreateLiveMonitorOptions = {}): LiveMonitor {
  const workers = options.workers ?? 0;
  if (workers > 0) throw new RangeError('worker-backed shards are not available in this build (use --workers 0)');
  return new InProcessLiveMonitor({
    shards: options.shards,
    trackPings: options.trackPings,
    queueExpiryReports: options.queueExpiryReports,
    clock: options.clock,
    events: options.events,
    sweepOnAccess: options.sweepOnAccess,
  });
}
