/**
 * keepwatch's programmatic API: embed the monitor in your own server.
 */
export {
  KeepAliveMonitor,
  DEFAULT_PING_INTERVAL_MS,
  DEFAULT_TIMEOUT_MS,
  type CheckResult,
  type ClientHandle,
  type ClientSettings,
  type ClientStatus,
  type MonitorOptions,
} from './monitor/monitor.js';
export { createClock, MonotonicClock, VirtualClock, type Clock, type ClockKind } from './monitor/clock.js';
export { SweepBatch } from './core/index.js';
export {
  KeepAliveService,
  AS_ASKED,
  SCOPE_CLOSED,
  type ClientBook,
  type Granted,
  type KeepAliveReply,
  type Registration,
  type ServiceDialect,
} from './protocol/keepalive-service.js';
export { MonitorClients } from './protocol/monitor-clients.js';
export { ErrorCode, ProtocolError } from './protocol/errors.js';
export {
  InProcessLiveMonitor,
  type InProcessLiveMonitorOptions,
  type LiveMonitor,
  type LiveMonitorEvents,
  type ExpiredFindings,
  type PingFindings,
} from './monitor/live-monitor.js';
export {
  WorkerLiveMonitor,
  type RoundTiming,
  type WorkerLiveMonitorOptions,
} from './monitor/workers/worker-live-monitor.js';
export { createLiveMonitor, type CreateLiveMonitorOptions } from './monitor/create-live-monitor.js';
