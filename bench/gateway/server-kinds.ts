import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { ActivityModel } from '../../scripts/load/detection.js';
import type { LoadEdge } from '../../scripts/load/edge-access.js';
import { makeSelfSignedCert, type SelfSignedCert } from '../lib/self-signed-cert.js';
import type { BenchSettings } from './bench-settings.js';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
/** dist/src/cli/main.js, next to dist/bench/gateway/ in the build. */
const KEEPWATCH_CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** A server the benchmark drives with the same load, and how to judge its expiries. */
export interface ServerKind {
  name: string;
  describe: (s: BenchSettings) => string;
  args: (port: number, s: BenchSettings) => string[];
  /** The expiry window its closes are measured against, ms, given the timeout_ms the clients registered. */
  windowMs: (s: BenchSettings, registeredTimeoutMs: number) => number;
  model: ActivityModel;
  /** false for the echo server: no keep-alive, measured for throughput and memory only. */
  keepsAlive: boolean;
  /** Serves Prometheus GET /metrics on its port (keepwatch). */
  hasMetrics: boolean;
  /** wss:// and a token per connection (keepwatch --tls-cert --auth jwt); undefined: plain ws://. */
  edge?: () => LoadEdge;
}

/** The URL the load opens on a server of this kind. */
export function wsUrl(kind: ServerKind, port: number): string {
  return `${kind.edge?.().caPem === undefined ? 'ws' : 'wss'}://127.0.0.1:${port}/ws`;
}

/** The V8 flags `npm start` gives the gateway (see README, "Operating it"). */
export const GATEWAY_NODE_FLAGS = ['--max-semi-space-size=1'];

/** The auth+TLS server's key material: one certificate (openssl) and one HS256 secret per benchmark run, made when first needed. */
let edgeMaterial: { cert: SelfSignedCert; secret: string } | undefined;
function edgeKeys(): { cert: SelfSignedCert; secret: string } {
  if (edgeMaterial === undefined) {
    const cert = makeSelfSignedCert();
    process.once('exit', () => rmSync(cert.dir, { recursive: true, force: true }));
    edgeMaterial = { cert, secret: randomBytes(32).toString('hex') };
  }
  return edgeMaterial;
}

/** Which of the edge's costly features a keepwatch run has on: TLS (wss://), JWT auth (a token per connection). */
interface EdgeFeatures {
  tls: boolean;
  auth: boolean;
}
const PLAIN: EdgeFeatures = { tls: false, auth: false };

/**
 * keepwatch serve on `threads` I/O threads, pinging with `ping` (the README's
 * names: "keepwatch", "keepwatch 2 threads --ping ws"); with `features`:
 * --tls-cert/--tls-key ("TLS"), --auth jwt ("auth"), both ("auth+TLS"), every
 * connection then a wss:// upgrade and/or one with its own token.
 */
function keepwatchKind(threads: number, ping: 'app' | 'ws', features: EdgeFeatures = PLAIN): ServerKind {
  const label = features.auth && features.tls ? 'auth+TLS' : features.auth ? 'auth' : features.tls ? 'TLS' : '';
  const name = ['keepwatch', threads > 1 ? `${threads} threads` : '', ping === 'app' ? '' : `--ping ${ping}`, label].filter((p) => p !== '').join(' ');
  const edgeArgs = (): string[] => {
    const { cert, secret } = edgeKeys();
    return [...(features.tls ? ['--tls-cert', cert.cert, '--tls-key', cert.key] : []), ...(features.auth ? ['--auth', 'jwt', '--jwt-secret', secret] : [])];
  };
  const flags = [features.tls ? '--tls-cert --tls-key (wss://)' : '', features.auth ? '--auth jwt (an HS256 token per connection)' : ''].filter((f) => f !== '').join(' ');
  return {
    name,
    describe: () =>
      `keepwatch serve --threads ${threads} --ping ${ping}${flags === '' ? '' : ` ${flags}`}: ` +
      `per-client deadlines, ${ping === 'app' ? 'ka_ping' : 'a WebSocket ping frame'} once per ping_interval_ms, close at timeout_ms`,
    // Node flags as `npm start` passes them (package.json): what an operator runs.
    args: (port) => [
      ...GATEWAY_NODE_FLAGS, KEEPWATCH_CLI, 'serve', '--host', '127.0.0.1', '--port', String(port), '--log-level', 'warn', '--threads', String(threads), '--ping', ping,
      ...edgeArgs(),
    ],
    windowMs: (_s, registeredTimeoutMs) => registeredTimeoutMs,
    model: 'client',
    keepsAlive: true,
    hasMetrics: true,
    edge: features.tls || features.auth ? () => loadEdge(features) : undefined,
  };
}

/** What the load needs to reach a server with these features: the certificate to verify, the secret to sign tokens with. */
function loadEdge(features: EdgeFeatures): LoadEdge {
  const { cert, secret } = edgeKeys();
  return { caPem: features.tls ? cert.pem : undefined, jwtSecret: features.auth ? secret : undefined };
}

export const KEEPWATCH = keepwatchKind(1, 'app');
export const KEEPWATCH_2_THREADS = keepwatchKind(2, 'app');
export const KEEPWATCH_PING_WS = keepwatchKind(1, 'ws');
export const KEEPWATCH_2_THREADS_PING_WS = keepwatchKind(2, 'ws');
export const KEEPWATCH_AUTH_TLS = keepwatchKind(1, 'app', { tls: true, auth: true });
export const KEEPWATCH_AUTH = keepwatchKind(1, 'app', { tls: false, auth: true });
export const KEEPWATCH_TLS = keepwatchKind(1, 'app', { tls: true, auth: false });

export const WS_HEARTBEAT: ServerKind = {
  name: 'ws isAlive',
  describe: (s) => `ws README pattern, setInterval ${s.pingIntervalMs} ms (closes 1-2 intervals after last activity)`,
  args: (port, s) => [here('./ws-heartbeat-server.js'), '--port', String(port), '--interval-ms', String(s.pingIntervalMs)],
  windowMs: (s) => 2 * s.pingIntervalMs,
  model: 'connection',
  keepsAlive: true,
  hasMetrics: false,
};

export const UWS_IDLE: ServerKind = {
  name: 'uWS idleTimeout',
  describe: (s) => `uWS idleTimeout ${s.uwsIdleTimeoutS} s + sendPingsAutomatically (4 s ticks)`,
  args: (port, s) => [here('./uws-idle-server.js'), '--port', String(port), '--interval-ms', String(s.uwsIdleTimeoutS * 1000)],
  windowMs: (s) => s.uwsIdleTimeoutS * 1000,
  model: 'connection',
  keepsAlive: true,
  hasMetrics: false,
};

export const UWS_ECHO: ServerKind = {
  name: 'uWS echo',
  describe: () => 'bare uWS echo, no keep-alive: the transport ceiling',
  args: (port) => [here('./uws-echo-server.js'), '--port', String(port)],
  windowMs: () => 0,
  model: 'connection',
  keepsAlive: false,
  hasMetrics: false,
};

/** The echo server on uWS's SSLApp as uWS sets it up by default: what a TLS connection costs inside uWS (OpenSSL's state), nothing of keepwatch's. */
export const UWS_ECHO_TLS: ServerKind = {
  ...UWS_ECHO,
  name: 'uWS echo TLS',
  describe: () => 'bare uWS SSLApp echo (wss://), no keep-alive: the TLS baseline',
  args: (port) => [here('./uws-echo-server.js'), '--port', String(port), '--tls-cert', edgeKeys().cert.cert, '--tls-key', edgeKeys().cert.key],
  edge: () => loadEdge({ tls: true, auth: false }),
};

/**
 * The same with ssl_prefer_low_memory_usage (OpenSSL's SSL_MODE_RELEASE_BUFFERS): what uWS's one
 * memory switch for TLS saves. keepwatch's SSLApp leaves it off while this shows nothing saved.
 */
export const UWS_ECHO_TLS_LOW_MEMORY: ServerKind = {
  ...UWS_ECHO_TLS,
  name: 'uWS echo TLS low-memory',
  describe: () => 'bare uWS SSLApp echo (wss://) with ssl_prefer_low_memory_usage, no keep-alive: what the switch saves',
  args: (port, s) => [...UWS_ECHO_TLS.args(port, s), '--tls-low-memory'],
};
