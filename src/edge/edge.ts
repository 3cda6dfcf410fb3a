import type { Clock } from '../monitor/clock.js';
import type { ClientRegistry } from '../transports/gateway/client-registry.js';
import { CloseReason } from '../transports/gateway/close-codes.js';
import type { HttpRequest, HttpResponse, us_socket_context_t } from 'uWebSockets.js';
import type { Connection, SocketData } from '../transports/gateway/connection.js';
import type { EdgeSession } from './edge-session.js';
import { encodeUnaddressedError } from '../transports/gateway/notices.js';
import { ErrorCode, ProtocolError } from '../protocol/errors.js';
import { TokenVerifier } from './auth/token-verifier.js';
import type { EdgeMetrics } from './edge-metrics.js';
import type { EdgeOptions } from './edge-options.js';
import { ConnectionDeadlines } from './limits/connection-deadlines.js';
import { FlappingIds } from './limits/flapping.js';
import { MessageRate, RateVerdict } from './limits/message-rate.js';
import { PerIpConnections, type PeerConnections } from './limits/per-ip-connections.js';
import { OriginPolicy } from './origin-policy.js';
import { RegisterPolicy } from './register-policy.js';
import { UpgradeGate } from './upgrade-gate.js';

/** Lifetime jitter: a connection lives maxLifetimeMs * (1 +- this), so a fleet opened together does not reconnect together. */
const LIFETIME_JITTER = 0.1;

/**
 * The edge as the gateway sees it: four hooks on the /ws lifecycle
 * (`admit` for the upgrade, `opened`, `allowMessage`, `closed`) and the
 * register `policy`. Built from the options once; a feature that is off
 * costs nothing per message (allowMessage is one branch then).
 */
export class Edge {
  private readonly gate: UpgradeGate;
  readonly policy: RegisterPolicy;
  private readonly rate: MessageRate;
  /** Close deadlines, one heap per reason (an entry is the connection alone). */
  private readonly tokenExpiries: ConnectionDeadlines<Connection>;
  private readonly lifetimes: ConnectionDeadlines<Connection>;

  constructor(
    private readonly options: EdgeOptions,
    private readonly clock: Clock,
    registry: ClientRegistry,
    private readonly metrics: EdgeMetrics,
    /** Whether the gateway holds its maximum of connections: upgrades are refused then. */
    full: () => boolean,
    /** Per-address counts for --max-connections-per-ip shared by every I/O thread (--threads); this thread's own otherwise. */
    sharedPerIp?: PeerConnections,
  ) {
    this.rate = new MessageRate(options);
    this.gate = new UpgradeGate({
      clock,
      origins: new OriginPolicy(options.allowedOrigins),
      verifier: options.auth === 'jwt' ? new TokenVerifier(options) : undefined,
      perIp: options.maxConnectionsPerIp > 0 ? (sharedPerIp ?? new PerIpConnections(options.maxConnectionsPerIp)) : undefined,
      burst: options.maxMessageBurst,
      metrics,
      full,
    });
    const flapping =
      options.maxRegistrationsPerWindow > 0
        ? new FlappingIds(options.maxRegistrationsPerWindow, options.flapWindowMs, options.flapPenaltyMs)
        : undefined;
    this.policy = new RegisterPolicy(options, registry, clock, flapping, metrics, this.rate);
    this.tokenExpiries = new ConnectionDeadlines(clock, (conn) => conn.close(CloseReason.TokenExpired));
    this.lifetimes = new ConnectionDeadlines(clock, (conn) => conn.close(CloseReason.MaxLifetime));
  }

  /**
   * A /ws upgrade, decided by the gate; `open` makes the admitted
   * connection, whose token's expiry becomes its close deadline here (the
   * token's exp is kept nowhere else).
   */
  admit(res: HttpResponse, req: HttpRequest, context: us_socket_context_t, open: (session: EdgeSession) => Connection): void {
    this.gate.admit(res, req, context, (session, tokenExpiresAtMs): SocketData => {
      const conn = open(session);
      if (tokenExpiresAtMs !== undefined) this.tokenExpiries.add(conn, this.clock.now() + Math.max(0, tokenExpiresAtMs - Date.now()));
      return { conn };
    });
  }

  /** A connection opened: its lifetime becomes a close deadline. */
  opened(conn: Connection): void {
    if (this.options.maxLifetimeMs > 0) {
      const lifetime = this.options.maxLifetimeMs * (1 - LIFETIME_JITTER + 2 * LIFETIME_JITTER * Math.random());
      this.lifetimes.add(conn, this.clock.now() + lifetime);
    }
  }

  /** Whether to handle this message; false: dropped (and the peer told or closed, per the rate limit). */
  allowMessage(conn: Connection): boolean {
    const session = conn.edge;
    if (!this.rate.enabled || session === undefined) return true;
    const verdict = this.rate.verdict(session, this.clock.now());
    if (verdict === RateVerdict.Accept) return true;
    this.metrics.rateLimited();
    if (verdict === RateVerdict.DropAndWarn) {
      const error = new ProtocolError(
        ErrorCode.RateLimited,
        `message rate over ${this.options.maxMessageRate}/s: messages dropped (strike ${session.strikeRun?.strikes ?? 0} of ${this.options.rateStrikes})`,
      );
      conn.send(encodeUnaddressedError(error, conn.takeMsgId()));
    } else if (verdict === RateVerdict.Close) {
      conn.close(CloseReason.MessageRateExceeded);
    }
    return false;
  }

  closed(conn: Connection): void {
    this.gate.closed(conn.edge);
  }

  stop(): void {
    this.tokenExpiries.stop();
    this.lifetimes.stop();
  }
}
