import { availableParallelism } from 'node:os';
import type { ClusterOptions } from '../../cluster/cluster-options.js';
import { DEFAULT_EDGE_OPTIONS, type EdgeOptions } from '../../edge/edge-options.js';
import { defaultMaxConnections } from './file-limit.js';

/**
 * What a due client is pinged with, once per interval: `app` the ka_ping
 * message (only the client's application can answer it), `ws` a WebSocket
 * ping frame (its WebSocket stack answers, even with the application hung),
 * `both`. A client among several on its connection always gets ka_ping: a
 * pong frame could not say which client answered.
 */
export type PingMode = 'app' | 'ws' | 'both';
export const PING_MODES: readonly PingMode[] = ['app', 'ws', 'both'];

/** Everything `keepwatch serve` can be told; the CLI fills it from flags. The edge's part (auth, TLS, limits) is EdgeOptions. */
export interface GatewayOptions extends EdgeOptions {
  host: string;
  /** 0: any free port (the bound port is logged). */
  port: number;
  shards: number;
  workers: number;
  /** I/O threads, each a whole gateway on the shared port (threads/); 1 = this thread only, the single loop. Default: the machine's available parallelism. */
  threads: number;
  /** Largest WebSocket message accepted; uWS drops a peer that sends more (1006, no close frame). */
  maxPayloadBytes: number;
  /** A register beyond this many client_ids on one connection closes it with 4002. */
  maxClientsPerConnection: number;
  /** Bytes queued for a peer that does not read before it is closed with 4003. */
  maxSendBufferBytes: number;
  /** Bytes queued for all peers together; beyond it the largest backlogs are closed with 4040 (output-budget.ts). */
  maxOutputBytes: number;
  ping: PingMode;
  /** First ping after a silence is delayed by up to min(this, ping_interval_ms / 10). */
  pingJitterMs: number;
  /** A connection that registers no client within this long is closed with 4004; 0 = never. */
  registerTimeoutMs: number;
  /** SIGTERM/SIGINT: the process exits 0 at most this long after the signal. */
  shutdownTimeoutMs: number;
  /** Serve on uWebSockets.js' pure-JS fallback when the native binary does not load. */
  allowJsFallback: boolean;
  /**
   * WebSocket connections in the whole gateway; an upgrade beyond it is
   * answered 503 and closed. Below the open-file limit (file-limit.ts), so
   * the process never accepts at the limit, where uWS would spin on EMFILE.
   */
  maxConnections: number;
  /** Clients in the whole gateway; a register of one more is refused with error 41. */
  maxClients: number;
  /** GET /status streams served at once; more are answered 503 with Retry-After. */
  maxStatusRequests: number;
  /** Expired ids a connection keeps for its next ka_check, at most. */
  maxUnreportedExpiries: number;
  logLevel: string;
  /** Bearer token every admin request must carry (/status, /metrics, ...); undefined: loopback peers only. */
  adminToken: string | undefined;
  /** Address of the separate admin listener (with adminPort). */
  adminHost: string;
  /** A separate listener for the admin routes (the gateway's port then serves none); undefined: same port. */
  adminPort: number | undefined;
  /** Allow exposing an unauthenticated surface beyond loopback. */
  insecure: boolean;
  /** --redis / --redis-cluster: one presence with other gateways; undefined = alone (the embedded default). */
  cluster: ClusterOptions | undefined;
  /** Env-gated test hooks (KEEPWATCH_TEST_HOOKS=1): GET /test/stall. Never on by flag. */
  testHooks: boolean;
}

export const DEFAULT_GATEWAY_OPTIONS: GatewayOptions = {
  ...DEFAULT_EDGE_OPTIONS,
  host: '127.0.0.1',
  port: 9001,
  shards: 1,
  workers: 0,
  // One I/O thread per core the process may use: the sockets' work spreads over them.
  threads: availableParallelism(),
  maxPayloadBytes: 16 * 1024,
  maxClientsPerConnection: 100_000,
  // Room for a mass expiry's ka_expired burst to a full edge (100,000 x ~45 bytes) on top of the kernel's buffers.
  maxSendBufferBytes: 8 * 1024 * 1024,
  // 16 peers at the per-connection bound.
  maxOutputBytes: 128 * 1024 * 1024,
  ping: 'app',
  pingJitterMs: 1000,
  registerTimeoutMs: 30_000,
  shutdownTimeoutMs: 3000,
  allowJsFallback: false,
  maxUnreportedExpiries: 10_000,
  maxStatusRequests: 8,
  maxConnections: defaultMaxConnections(),
  // ~600 B of RSS per client: about 0.6 GB at the cap.
  maxClients: 1_000_000,
  logLevel: 'info',
  adminToken: undefined,
  adminHost: '127.0.0.1',
  adminPort: undefined,
  insecure: false,
  testHooks: false,
  cluster: undefined,
};
