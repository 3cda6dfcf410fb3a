import net from 'node:net';
import tls from 'node:tls';
import { SignJWT } from 'jose';
import type { ConnectionSpec } from './load-plan.js';

/**
 * How the load reaches a gateway serving `--tls-cert/--tls-key` and
 * `--auth jwt` (README, "Exposing the gateway"): the certificate to verify
 * it against and the shared secret each connection's token is signed with.
 * Absent: plain ws://, no token.
 */
export interface LoadEdge {
  /** PEM of the server's (self-signed) certificate: wss://, verified against it. */
  caPem: string | undefined;
  /** HS256 secret: every connection upgrades with `Authorization: Bearer <its own token>`. */
  jwtSecret: string | undefined;
}

/** Tokens outlive any run: expiry is the token tests' subject, not the benchmark's. */
const TOKEN_LIFETIME_S = 24 * 3600;

/**
 * The token of one connection, covering exactly what it registers: `sub` for
 * a single client ("c<i>"), `client_id_prefix` "m<i>-" for a multiplexed one
 * (load-plan.ts names its ids). One signature per connection, as a fleet of
 * devices each holding its own token would present.
 */
export function connectionToken(spec: ConnectionSpec, secret: string): Promise<string> {
  const claims = spec.clients === 1 ? { sub: `c${spec.index}` } : { client_id_prefix: `m${spec.index}-` };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) + TOKEN_LIFETIME_S)
    .sign(new TextEncoder().encode(secret));
}

/** The transport under one WebSocket: what frames are written on, and the TCP socket whose descriptor a victim hands over. */
export interface LoadTransport {
  writable: net.Socket;
  tcp: net.Socket;
}

/**
 * Opens the TCP connection ourselves and, for wss://, runs TLS over it: the
 * bare TCP socket stays ours to pass to the coordinator (its descriptor
 * carries the encrypted stream, which the coordinator can still see end).
 */
export function openTransport(opts: net.NetConnectOpts & { host?: string; port?: number }, caPem: string | undefined): LoadTransport {
  // noDelay: the TLS handshake's small writes back to back would otherwise wait on delayed ACKs (~40 ms a connection).
  const tcp = net.createConnection({ host: opts.host, port: Number(opts.port), noDelay: true });
  if (caPem === undefined) return { writable: tcp, tcp };
  // host: the certificate is checked against the address (its IP SAN), as a verifying client does.
  return { writable: tls.connect({ socket: tcp, host: opts.host, secureContext: contextFor(caPem) }), tcp };
}

/** One TLS context per CA for the whole child: `ca` given to tls.connect builds a fresh context each time (~1 ms a connection). */
const contexts = new Map<string, tls.SecureContext>();
function contextFor(caPem: string): tls.SecureContext {
  let context = contexts.get(caPem);
  if (context === undefined) {
    context = tls.createSecureContext({ ca: caPem });
    contexts.set(caPem, context);
  }
  return context;
}
