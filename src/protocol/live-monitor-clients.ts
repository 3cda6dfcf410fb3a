import type { LiveMonitor } from '../monitor/live-monitor.js';
import type { CheckResult, ClientStatus } from '../monitor/monitor.js';
import { AS_ASKED, type ClientBook, type Registration } from './keepalive-service.js';
import type { RegisterRequest } from './requests.js';

/** A live monitor that can also sweep on request (a ka_check nobody reads). */
export interface SweepingLiveMonitor extends LiveMonitor {
  sweep(currentTimeMs?: number): Promise<void>;
}

/**
 * The stdio node's clients on worker shards (src/monitor/workers/):
 * register and heartbeat answer at once; check and status when the
 * shards have. The monitor's clock is the node's clock.
 */
export class LiveMonitorClients implements ClientBook<void> {
  constructor(readonly monitor: SweepingLiveMonitor) {}

  register(_scope: void, request: RegisterRequest): Registration {
    this.monitor.register(request.clientId, { timeoutMs: request.timeoutMs, pingIntervalMs: request.pingIntervalMs });
    return AS_ASKED;
  }

  heartbeat(_scope: void, clientId: string): boolean {
    return this.monitor.heartbeat(clientId);
  }

  check(_scope: void, currentTimeMs: number | undefined): Promise<CheckResult> {
    return this.monitor.check(currentTimeMs);
  }

  sweep(_scope: void, currentTimeMs: number | undefined): Promise<void> {
    return this.monitor.sweep(currentTimeMs);
  }

  status(): Promise<ClientStatus[]> {
    return this.monitor.status();
  }
}
