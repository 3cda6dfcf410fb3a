import { createHash, timingSafeEqual } from 'node:crypto';
import type { HttpRequest, HttpResponse, WebSocketBehavior } from 'uWebSockets.js';
import { bearer } from './bearer.js';
import { peerAddress } from './peer-address.js';

/**
 * THE admin access rule: who may see the admin surface (/status, /metrics,
 * /dashboard, kick, /cluster, and any admin page to come). /healthz is not
 * admin: it stays open to everyone on the gateway's port.
 *
 *   - `--admin-token T`: every admin request must carry
 *     `Authorization: Bearer T` (or `?admin_token=T` in the query, for a
 *     browser's address bar), from any peer, loopback included: behind a
 *     reverse proxy on the same host every peer looks like loopback.
 *   - no token, admin on the gateway's port: loopback peers only (403 for
 *     the rest), so a gateway bound to 0.0.0.0 does not list its clients
 *     to the internet.
 *   - no token, `--admin-port` (separate listener on `--admin-host`,
 *     default 127.0.0.1): whoever can reach that listener; its bind address
 *     is the rule (a non-loopback --admin-host without a token is refused
 *     at start-up unless --insecure).
 *
 * How to use it (other modules never re-implement the check):
 *   - mount admin routes through `AdminRoutes` (admin-routes.ts):
 *     `admin.get('/dashboard', handler)`; it puts them on the right
 *     listener and guards them;
 *   - or, for a handler mounted elsewhere, `adminAccess.guard(handler)`,
 *     or `adminAccess.allows(res, req)` (false: the refusal was already
 *     sent; return without touching `res`).
 * The check reads the request's headers, so it runs synchronously at the
 * start of the uWS handler (uWS invalidates `req` after the handler returns).
 */
export class AdminAccess {
  private readonly tokenDigest: Buffer | undefined;

  constructor(
    token: string | undefined,
    /** True on a separate admin listener: the peer's address is not checked. */
    private readonly anyPeer: boolean,
    private readonly onRefused: (reason: AdminRefusal) => void = () => undefined,
  ) {
    this.tokenDigest = token === undefined ? undefined : digest(token);
  }

  /** Whether this request may see an admin page; when not, the refusal (401/403) has been sent. */
  allows(res: HttpResponse, req: HttpRequest): boolean {
    const refusal = this.refusal(res, req);
    if (refusal === undefined) return true;
    this.onRefused(refusal);
    res.cork(() => {
      res.writeStatus(refusal === 'not_loopback' ? '403 Forbidden' : '401 Unauthorized');
      if (refusal !== 'not_loopback') res.writeHeader('www-authenticate', 'Bearer realm="keepwatch-admin"');
      res.writeHeader('content-type', 'application/json').end(`{"error": "${REFUSAL_TEXT[refusal]}"}`);
    });
    return false;
  }

  /** The handler, run only for requests the rule allows. */
  guard(handler: (res: HttpResponse, req: HttpRequest) => void): (res: HttpResponse, req: HttpRequest) => void {
    return (res, req) => {
      if (this.allows(res, req)) handler(res, req);
    };
  }

  /** A WebSocket behaviour whose upgrade is refused (401/403, no upgrade) unless the rule allows it. */
  guardWs<T>(behavior: WebSocketBehavior<T>): WebSocketBehavior<T> {
    const upgrade = behavior.upgrade;
    return {
      ...behavior,
      upgrade: (res, req, context) => {
        if (!this.allows(res, req)) return;
        if (upgrade !== undefined) upgrade(res, req, context);
        else res.upgrade({} as T, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context);
      },
    };
  }

  private refusal(res: HttpResponse, req: HttpRequest): AdminRefusal | undefined {
    if (this.tokenDigest !== undefined) {
      const presented = bearer(req.getHeader('authorization')) ?? new URLSearchParams(req.getQuery() ?? '').get('admin_token');
      if (presented === null || presented === '') return 'no_token';
      return timingSafeEqual(digest(presented), this.tokenDigest) ? undefined : 'bad_token';
    }
    if (this.anyPeer || peerAddress(res.getRemoteAddress()).loopback) return undefined;
    return 'not_loopback';
  }
}

/** Why an admin request was refused; the label of keepwatch_admin_refusals_total. */
export type AdminRefusal = 'no_token' | 'bad_token' | 'not_loopback';

const REFUSAL_TEXT: Record<AdminRefusal, string> = {
  no_token: 'admin token required (Authorization: Bearer TOKEN)',
  bad_token: 'admin token rejected',
  not_loopback: 'admin pages are served to loopback peers only (see --admin-token, --admin-port)',
};

/** Digests compare in constant time whatever the lengths (timingSafeEqual needs equal lengths). */
function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
