import type { Clock } from '../monitor/clock.js';
import { DEFAULT_PING_INTERVAL_MS, DEFAULT_TIMEOUT_MS } from '../monitor/monitor.js';
import { ErrorCode, ProtocolError } from '../protocol/errors.js';
import type { Granted } from '../protocol/keepalive-service.js';
import type { RegisterRequest } from '../protocol/requests.js';
import type { ClientRegistry } from '../transports/gateway/client-registry.js';
import type { Connection } from '../transports/gateway/connection.js';
import { scopeCovers } from './auth/scope.js';
import type { EdgeMetrics } from './edge-metrics.js';
import type { FlappingIds } from './limits/flapping.js';
import type { MessageRate } from './limits/message-rate.js';

export interface RegisterPolicyOptions {
  /** newest: a register moves the id from its holder (4001/ka_moved); reject: refused with error 31. */
  takeover: 'newest' | 'reject';
  minTimeoutMs: number;
  maxTimeoutMs: number;
  minPingIntervalMs: number;
}

/**
 * May this connection register this client_id, and with which settings?
 * Checked in this order, each refusal a ProtocolError that changes
 * nothing (no move, no monitor entry): the token's scope (30), the
 * takeover policy (31), flapping (32). A registration of an id no
 * connection holds gets its message-rate token back. Then the client's timeout and ping
 * interval are clamped to the gateway's bounds, and the granted values go
 * back in ka_register_ok. O(1).
 */
export class RegisterPolicy {
  constructor(
    private readonly options: RegisterPolicyOptions,
    private readonly registry: ClientRegistry,
    private readonly clock: Clock,
    private readonly flapping: FlappingIds | undefined,
    private readonly metrics: EdgeMetrics,
    private readonly rate: MessageRate,
  ) {}

  admit(conn: Connection, request: RegisterRequest): Granted {
    const { clientId } = request;
    const scope = conn.edge?.scope;
    if (scope !== undefined && !scopeCovers(scope, clientId)) {
      this.metrics.registerRefused('not_permitted');
      throw new ProtocolError(ErrorCode.NotPermitted, `client_id '${clientId}' is not covered by this connection's token`);
    }
    const holder = this.registry.get(clientId)?.conn;
    if (this.options.takeover === 'reject' && holder !== undefined && holder !== conn) {
      this.metrics.registerRefused('held');
      throw new ProtocolError(ErrorCode.ClientIdHeld, `client_id '${clientId}' is held by another connection (--takeover reject)`);
    }
    const waitMs = this.flapping?.register(clientId, this.clock.now()) ?? 0;
    if (waitMs > 0) {
      this.metrics.registerRefused('flapping');
      throw new ProtocolError(ErrorCode.RegisteringTooOften, `client_id '${clientId}' was registered too often; retry in ${waitMs} ms`);
    }
    // An id new to this I/O thread: a multiplexing edge registering its devices at connect is not a flood.
    if (holder === undefined && conn.edge !== undefined) this.rate.refund(conn.edge);
    return this.clamp(request);
  }

  private clamp(request: RegisterRequest): Granted {
    const { minTimeoutMs, maxTimeoutMs, minPingIntervalMs } = this.options;
    const askedTimeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const askedPingIntervalMs = request.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
    const timeoutMs = Math.min(maxTimeoutMs, Math.max(minTimeoutMs, askedTimeoutMs));
    const pingIntervalMs = Math.max(minPingIntervalMs, askedPingIntervalMs);
    if (timeoutMs !== askedTimeoutMs || pingIntervalMs !== askedPingIntervalMs) this.metrics.clamped();
    return { timeoutMs, pingIntervalMs };
  }
}
