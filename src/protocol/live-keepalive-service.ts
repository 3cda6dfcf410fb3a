import type { LiveMonitor } from '../monitor/live-monitor.js';
import { unknownClient, type KeepAliveReply } from './keepalive-service.js';
import type { KeepAliveRequest } from './requests.js';

/** A live monitor that can also sweep on request (a ka_check nobody reads). */
export interface SweepingLiveMonitor extends LiveMonitor {
  sweep(currentTimeMs?: number): Promise<void>;
}

/**
 * KeepAliveService's semantics over a LiveMonitor: register and heartbeat
 * answer at once; check and status answer when the shards have (worker
 * shards: src/monitor/workers/). The monitor's clock is the node's clock.
 */
export class LiveKeepAliveService {
  constructor(readonly monitor: SweepingLiveMonitor) {}

  apply(request: KeepAliveRequest): KeepAliveReply | Promise<KeepAliveReply> {
    switch (request.type) {
      case 'ka_register':
        this.monitor.register(request.clientId, { timeoutMs: request.timeoutMs, pingIntervalMs: request.pingIntervalMs });
        return { type: 'ka_register_ok' };
      case 'ka_heartbeat':
        if (!this.monitor.heartbeat(request.clientId)) throw unknownClient(request.clientId);
        return { type: 'ka_heartbeat_ok', lastSeenMsAgo: 0 };
      case 'ka_check':
        return this.monitor.check(request.currentTimeMs).then((result) => ({ type: 'ka_check_ok', ...result }));
      case 'ka_status':
        return this.monitor.status().then((connections) => ({ type: 'ka_status_ok', connections }));
    }
  }

  /** As KeepAliveService.applyUnanswered: a check only moves the clock and sweeps. */
  applyUnanswered(request: KeepAliveRequest): void | Promise<void> {
    if (request.type === 'ka_check') return this.monitor.sweep(request.currentTimeMs);
    const reply = this.apply(request);
    if (reply instanceof Promise) return reply.then(() => undefined);
  }
}
