import type { Clock } from '../monitor/clock.js';
import type { CheckResult, ClientStatus, KeepAliveMonitor } from '../monitor/monitor.js';
import { AS_ASKED, type ClientBook, type Registration } from './keepalive-service.js';
import type { RegisterRequest } from './requests.js';

/**
 * The stdio node's clients in process: one KeepAliveMonitor at the clock's
 * time (no scope: every request sees every client). A ka_check's
 * current_time_ms moves the clock (a virtual one; a real one ignores it).
 */
export class MonitorClients implements ClientBook<void> {
  constructor(
    readonly monitor: KeepAliveMonitor,
    readonly clock: Clock,
  ) {}

  register(_scope: void, request: RegisterRequest): Registration {
    this.monitor.register(request.clientId, { timeoutMs: request.timeoutMs, pingIntervalMs: request.pingIntervalMs }, this.clock.now());
    return AS_ASKED;
  }

  heartbeat(_scope: void, clientId: string): boolean {
    return this.monitor.heartbeat(clientId, this.clock.now());
  }

  heartbeatAscii(_scope: void, bytes: Uint8Array, start: number, end: number): boolean {
    return this.monitor.heartbeatAscii(bytes, start, end, this.clock.now());
  }

  prefetchAscii(_scope: void, bytes: Uint8Array, starts: Int32Array, ends: Int32Array, count: number): void {
    this.monitor.prefetchAscii(bytes, starts, ends, count);
  }

  check(_scope: void, currentTimeMs: number | undefined): CheckResult {
    if (currentTimeMs !== undefined) this.clock.observe(currentTimeMs);
    return this.monitor.check(this.clock.now());
  }

  sweep(_scope: void, currentTimeMs: number | undefined): void {
    if (currentTimeMs !== undefined) this.clock.observe(currentTimeMs);
    this.monitor.sweep(this.clock.now());
  }

  status(): ClientStatus[] {
    return this.monitor.status(this.clock.now());
  }
}
