import type { Clock } from '../monitor/clock.js';
import type { ClientStatus, KeepAliveMonitor } from '../monitor/monitor.js';
import { ErrorCode, ProtocolError } from './errors.js';
import type { KeepAliveRequest } from './requests.js';

export type KeepAliveReply =
  | { type: 'ka_register_ok'; granted?: { timeoutMs: number; pingIntervalMs: number } }
  | { type: 'ka_heartbeat_ok'; lastSeenMsAgo: number }
  | { type: 'ka_check_ok'; expired: string[]; active: string[] }
  | { type: 'ka_status_ok'; connections: ClientStatus[] };

// The two hot replies never vary (last_seen_ms_ago is measured after the reset): one object each.
const REGISTER_OK: KeepAliveReply = Object.freeze({ type: 'ka_register_ok' });
export const HEARTBEAT_OK: KeepAliveReply = Object.freeze({ type: 'ka_heartbeat_ok', lastSeenMsAgo: 0 });

/**
 * The keep-alive requests applied to a monitor at the clock's time: the
 * protocol's semantics, shared by every transport. Throws ProtocolError
 * (code 20) for a heartbeat of an unknown or expired client.
 */
export class KeepAliveService {
  constructor(
    readonly monitor: KeepAliveMonitor,
    readonly clock: Clock,
  ) {}

  apply(request: KeepAliveRequest): KeepAliveReply {
    switch (request.type) {
      case 'ka_register':
        this.monitor.register(
          request.clientId,
          { timeoutMs: request.timeoutMs, pingIntervalMs: request.pingIntervalMs },
          this.clock.now(),
        );
        return REGISTER_OK;
      case 'ka_heartbeat':
        if (!this.monitor.heartbeat(request.clientId, this.clock.now())) throw unknownClient(request.clientId);
        return HEARTBEAT_OK;
      case 'ka_check':
        if (request.currentTimeMs !== undefined) this.clock.observe(request.currentTimeMs);
        return { type: 'ka_check_ok', ...this.monitor.check(this.clock.now()) };
      case 'ka_status':
        return { type: 'ka_status_ok', connections: this.monitor.status(this.clock.now()) };
    }
  }

  /**
   * A request nobody will read the reply of (fire and forget). It has the
   * same effects, but a check must not hand out the queued expiries: they
   * wait for the next check that gets a reply.
   */
  applyUnanswered(request: KeepAliveRequest): void {
    if (request.type !== 'ka_check') {
      this.apply(request);
      return;
    }
    if (request.currentTimeMs !== undefined) this.clock.observe(request.currentTimeMs);
    this.monitor.sweep(this.clock.now());
  }
}

export function unknownClient(clientId: string): ProtocolError {
  return new ProtocolError(ErrorCode.PreconditionFailed, `client_id '${clientId}' is not registered or has expired`);
}
