import type { Clock } from '../../monitor/clock.js';
import type { CheckResult, ClientStatus } from '../../monitor/monitor.js';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import { SCOPE_CLOSED, type ClientBook, type Registration } from '../../protocol/keepalive-service.js';
import type { RegisterRequest } from '../../protocol/requests.js';
import type { RegisterPolicy } from '../../edge/register-policy.js';
import type { ClientRegistry } from './client-registry.js';
import { CloseReason } from './close-codes.js';
import type { Connection } from './connection.js';
import type { GatewayMetrics } from './metrics.js';
import type { RoundTripMeter } from './round-trip.js';

export interface ClientCaps {
  maxClientsPerConnection: number;
  /** Clients in the whole gateway (every I/O thread's: ClientRegistry.full); a register of one more is refused with error 41. */
  maxClients: number;
}

/**
 * The gateway's clients as the protocol sees them (a ClientBook scoped by
 * connection): a connection owns the client_ids it registers; a heartbeat
 * names one of them, and ka_check / ka_status list them (the whole
 * population is GET /status). O(1) per request except those two.
 */
export class ConnectionClients implements ClientBook<Connection> {
  constructor(
    private readonly registry: ClientRegistry,
    private readonly clock: Clock,
    private readonly metrics: GatewayMetrics,
    private readonly caps: ClientCaps,
    /** The edge's say on registrations: token scope, takeover, flapping, clamps (src/edge). */
    private readonly registerPolicy: RegisterPolicy,
    /** Ping echoes (`seq` in ka_pong / ka_heartbeat) stop its clock. */
    private readonly roundTrips: RoundTripMeter,
  ) {}

  /** Checked in this order: the connection's cap (closed, 4002), the gateway's (41), the edge's policy (30-32). */
  register(conn: Connection, request: RegisterRequest): Registration {
    if (conn.clientCount >= this.caps.maxClientsPerConnection && this.registry.addsTo(conn, request.clientId)) {
      conn.close(CloseReason.TooManyClients);
      return SCOPE_CLOSED;
    }
    if (this.registry.full && this.registry.get(request.clientId) === undefined) throw this.atCapacity();
    const granted = this.registerPolicy.admit(conn, request);
    this.registry.register(conn, request.clientId, granted);
    return granted;
  }

  heartbeat(conn: Connection, clientId: string, seq: number | undefined): boolean {
    const entry = conn.client(clientId);
    // A lone client was already refreshed by the frame itself (RequestHandler.onMessage).
    if (entry === undefined || (entry !== conn.sole && !this.registry.touch(entry))) return false;
    if (seq !== undefined) this.roundTrips.answered(entry, seq, 'message');
    return true;
  }

  /** current_time_ms is validated but not obeyed: a client must not move a server's real clock. */
  check(conn: Connection): CheckResult {
    return { expired: conn.takeExpiries(), active: conn.clientList().map((entry) => entry.clientId) };
  }

  /** The monitor sweeps on its own timer; an unread ka_check leaves the connection's expiries queued. */
  sweep(): void {}

  status(conn: Connection): ClientStatus[] {
    const now = this.clock.now();
    const out: ClientStatus[] = [];
    for (const entry of conn.clientList()) out.push({ clientId: entry.clientId, lastSeenMsAgo: Math.max(0, now - entry.lastSeen), status: 'active' });
    return out;
  }

  /** One peer must not be able to fill the process: the global cap, counted and refused without a close. */
  private atCapacity(): ProtocolError {
    this.metrics.refused('clients_full');
    return new ProtocolError(
      ErrorCode.ClientCapacity,
      `the gateway holds its maximum of ${this.caps.maxClients} clients (--max-clients); retry later or on another gateway`,
    );
  }
}
