import type { JwtOptions } from './auth/token-verifier.js';
import type { MessageRateOptions } from './limits/message-rate.js';
import type { RegisterPolicyOptions } from './register-policy.js';

/** Everything the edge is told (part of the gateway's options; flags in serve-args.ts). */
export interface EdgeOptions extends JwtOptions, MessageRateOptions, RegisterPolicyOptions {
  auth: 'none' | 'jwt';
  /** Browser origins allowed to open /ws; undefined: any. */
  allowedOrigins: string[] | undefined;
  /** Open /ws connections per peer address; 0 = no cap. */
  maxConnectionsPerIp: number;
  /** Registrations of one client_id allowed per --flap-window-ms before it is refused; 0 = no limit. */
  maxRegistrationsPerWindow: number;
  flapWindowMs: number;
  /** How long a flapping id is refused. */
  flapPenaltyMs: number;
  /** Close connections after this long (+-10% jitter) with 4012; 0 = never. */
  maxLifetimeMs: number;
  /** PEM files: serve wss:// and https:// (uWS SSLApp). */
  tlsCert: string | undefined;
  tlsKey: string | undefined;
}

export const DEFAULT_EDGE_OPTIONS: EdgeOptions = {
  auth: 'none',
  jwtSecret: undefined,
  jwtJwksFile: undefined,
  jwtIssuer: undefined,
  jwtAudience: undefined,
  takeover: 'newest',
  // No clamps by default: the bounds a deployment wants are its own (see the README's internet profile).
  minTimeoutMs: 1,
  maxTimeoutMs: 2 ** 31 - 1,
  minPingIntervalMs: 1,
  allowedOrigins: undefined,
  maxConnectionsPerIp: 0,
  // On by default: one connection flooding frames is closed ~100 ms after it exceeds this (4011) instead of
  // taking the loop from its neighbours; 10,000/s is a multiplexing edge of 100,000 devices beating every 10 s.
  // The burst is a tenth of a second's worth: a flood's first read is handled up to it (~2 ms), not 10,000
  // frames (~17 ms, 84-98 ms at p99 for the neighbours at load 10-13: bench/overload/frame-flood.ts).
  maxMessageRate: 10_000,
  maxMessageBurst: 1_000,
  rateStrikes: 3,
  maxRegistrationsPerWindow: 0,
  flapWindowMs: 10_000,
  flapPenaltyMs: 30_000,
  maxLifetimeMs: 0,
  tlsCert: undefined,
  tlsKey: undefined,
};
