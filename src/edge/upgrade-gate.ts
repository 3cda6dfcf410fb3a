import type { HttpRequest, HttpResponse, us_socket_context_t } from 'uWebSockets.js';
import type { Clock } from '../monitor/clock.js';
import { TokenRefused, type TokenVerifier } from './auth/token-verifier.js';
import type { Scope } from './auth/scope.js';
import type { EdgeMetrics } from './edge-metrics.js';
import { EdgeSession } from './edge-session.js';
import type { PeerConnections } from './limits/per-ip-connections.js';
import type { OriginPolicy } from './origin-policy.js';
import { bearer } from './bearer.js';
import { peerAddress } from './peer-address.js';

export interface UpgradeGateDeps {
  clock: Clock;
  origins: OriginPolicy;
  /** undefined: --auth none. */
  verifier: TokenVerifier | undefined;
  /** undefined: no per-IP cap. */
  perIp: PeerConnections | undefined;
  /** The message-rate bucket's size (a new connection starts full). */
  burst: number;
  metrics: EdgeMetrics;
  /** Whether the gateway holds its maximum of connections (--max-connections). */
  full(): boolean;
}

/** Why an upgrade was refused; the label of keepwatch_upgrade_refusals_total. */
export type UpgradeRefusal = 'connections_full' | 'origin' | 'per_ip' | `token_${TokenRefused['reason']}`;

/**
 * Decides a WebSocket upgrade on /ws before any frame is read: the
 * gateway's connection cap (503, the socket closed with the answer so the
 * refused peer holds no descriptor), Origin (403), per-IP connection cap (429), then the bearer token (401, from
 * `Authorization: Bearer` or `?access_token=` for browsers). An admitted
 * upgrade carries an EdgeSession (scope, peer, rate bucket) into the
 * connection. Verification is asynchronous (jose): the headers uWS needs
 * are read first, the response is watched for aborts, and the upgrade is
 * completed corked, as uWS requires outside its callback. A refusal is an
 * HTTP answer, counted; never an exception.
 */
export class UpgradeGate {
  constructor(private readonly deps: UpgradeGateDeps) {}

  /** `makeData` gets the new connection's session and its token's expiry (epoch ms; undefined: no token or no exp). */
  admit<T>(res: HttpResponse, req: HttpRequest, context: us_socket_context_t, makeData: (session: EdgeSession, tokenExpiresAtMs: number | undefined) => T): void {
    const key = req.getHeader('sec-websocket-key');
    const protocol = req.getHeader('sec-websocket-protocol');
    const extensions = req.getHeader('sec-websocket-extensions');
    const { origins, verifier, perIp, metrics } = this.deps;
    if (this.deps.full()) {
      this.refuse(res, 'connections_full', '503 Service Unavailable', 'the gateway holds its maximum of connections (--max-connections); retry later');
      return;
    }
    if (!origins.allows(req.getHeader('origin'))) {
      this.refuse(res, 'origin', '403 Forbidden', 'origin not allowed');
      return;
    }
    const peer = perIp === undefined ? undefined : peerAddress(res.getRemoteAddress()).text;
    if (peer !== undefined && !perIp?.tryAcquire(peer)) {
      this.refuse(res, 'per_ip', '429 Too Many Requests', 'too many connections from this address');
      return;
    }
    const upgrade = (scope: Scope | undefined, expiresAtMs: number | undefined): void => {
      res.upgrade(makeData(new EdgeSession(scope, peer, this.deps.burst, this.deps.clock.now()), expiresAtMs), key, protocol, extensions, context);
    };
    if (verifier === undefined) {
      upgrade(undefined, undefined);
      return;
    }
    const token = bearer(req.getHeader('authorization')) ?? new URLSearchParams(req.getQuery() ?? '').get('access_token');
    if (token === null || token === '') {
      this.release(peer);
      this.refuse(res, 'token_missing', '401 Unauthorized', 'token required (Authorization: Bearer TOKEN, or ?access_token=TOKEN)');
      return;
    }
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
      this.release(peer);
    });
    verifier.verify(token).then(
      ({ scope, expiresAtMs }) => {
        if (!aborted) res.cork(() => upgrade(scope, expiresAtMs));
      },
      (error: unknown) => {
        if (aborted) return;
        this.release(peer);
        const refusal = error instanceof TokenRefused ? error : new TokenRefused('invalid', 'token rejected');
        res.cork(() => this.refuse(res, `token_${refusal.reason}`, '401 Unauthorized', refusal.message));
      },
    );
  }

  /** The connection of this session closed: its per-IP slot is free. */
  closed(session: EdgeSession | undefined): void {
    this.release(session?.peer);
  }

  private release(peer: string | undefined): void {
    if (peer !== undefined) this.deps.perIp?.release(peer);
  }

  private refuse(res: HttpResponse, reason: UpgradeRefusal, status: string, text: string): void {
    this.deps.metrics.upgradeRefused(reason);
    res.writeStatus(status);
    if (status.startsWith('401')) res.writeHeader('www-authenticate', 'Bearer realm="keepwatch"');
    const full = reason === 'connections_full';
    if (full) res.writeHeader('retry-after', '1');
    res.writeHeader('content-type', 'application/json').end(`{"error": ${JSON.stringify(text)}}`, full);
  }
}
