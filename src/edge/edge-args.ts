import { parseOrigins } from './origin-policy.js';
import { DEFAULT_EDGE_OPTIONS, type EdgeOptions } from './edge-options.js';

/** The edge's `keepwatch serve` flags (merged into the gateway's parseArgs spec). */
export const EDGE_FLAGS = {
  auth: { type: 'string' },
  'jwt-secret': { type: 'string' },
  'jwt-jwks': { type: 'string' },
  'jwt-issuer': { type: 'string' },
  'jwt-audience': { type: 'string' },
  takeover: { type: 'string' },
  'min-timeout-ms': { type: 'string' },
  'max-timeout-ms': { type: 'string' },
  'min-ping-interval-ms': { type: 'string' },
  'allowed-origins': { type: 'string' },
  'max-connections-per-ip': { type: 'string' },
  'max-message-rate': { type: 'string' },
  'max-message-burst': { type: 'string' },
  'rate-strikes': { type: 'string' },
  'flap-max-registrations': { type: 'string' },
  'flap-window-ms': { type: 'string' },
  'flap-penalty-ms': { type: 'string' },
  'max-lifetime-ms': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  config: { type: 'string' },
} as const;

type EdgeFlagValues = { [K in keyof typeof EDGE_FLAGS]?: string };
type IntegerFlag = (name: string, raw: string | undefined, fallback: number, min: number, max: number) => number;

const DURATION_MAX = 2 ** 31 - 1;

/** Edge flag values -> EdgeOptions; `fail` throws the gateway's usage error. */
export function parseEdgeArgs(values: EdgeFlagValues, integer: IntegerFlag, fail: (text: string) => never): EdgeOptions {
  const D = DEFAULT_EDGE_OPTIONS;
  const auth = oneOf('auth', values.auth, ['none', 'jwt'] as const, D.auth, fail);
  const jwtSecret = values['jwt-secret'];
  const jwtJwksFile = values['jwt-jwks'];
  if (auth === 'jwt' && (jwtSecret === undefined) === (jwtJwksFile === undefined)) fail('--auth jwt needs exactly one of --jwt-secret and --jwt-jwks');
  if (auth === 'none' && (jwtSecret !== undefined || jwtJwksFile !== undefined)) fail('--jwt-secret/--jwt-jwks need --auth jwt');
  // HS256 wants a key at least as long as its hash (RFC 7518 3.2).
  if (jwtSecret !== undefined && Buffer.byteLength(jwtSecret) < 32) fail('--jwt-secret must be at least 32 bytes');
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) fail('--tls-cert and --tls-key go together');
  let allowedOrigins: string[] | undefined;
  if (values['allowed-origins'] !== undefined) {
    const parsed = parseOrigins(values['allowed-origins']);
    if (typeof parsed === 'string') fail(parsed);
    allowedOrigins = parsed;
  }
  const minTimeoutMs = integer('min-timeout-ms', values['min-timeout-ms'], D.minTimeoutMs, 1, DURATION_MAX);
  const maxTimeoutMs = integer('max-timeout-ms', values['max-timeout-ms'], D.maxTimeoutMs, 1, DURATION_MAX);
  if (minTimeoutMs > maxTimeoutMs) fail(`--min-timeout-ms ${minTimeoutMs} is above --max-timeout-ms ${maxTimeoutMs}`);
  const maxMessageRate = integer('max-message-rate', values['max-message-rate'], D.maxMessageRate, 0, 10_000_000);
  return {
    auth,
    jwtSecret,
    jwtJwksFile,
    jwtIssuer: values['jwt-issuer'],
    jwtAudience: values['jwt-audience'],
    takeover: oneOf('takeover', values.takeover, ['newest', 'reject'] as const, D.takeover, fail),
    minTimeoutMs,
    maxTimeoutMs,
    minPingIntervalMs: integer('min-ping-interval-ms', values['min-ping-interval-ms'], D.minPingIntervalMs, 1, DURATION_MAX),
    allowedOrigins,
    maxConnectionsPerIp: integer('max-connections-per-ip', values['max-connections-per-ip'], D.maxConnectionsPerIp, 0, 10_000_000),
    maxMessageRate,
    // A second's worth of messages at once, unless told.
    maxMessageBurst: integer('max-message-burst', values['max-message-burst'], maxMessageRate === D.maxMessageRate ? D.maxMessageBurst : Math.max(1, maxMessageRate), 1, 100_000_000),
    rateStrikes: integer('rate-strikes', values['rate-strikes'], D.rateStrikes, 1, 1000),
    maxRegistrationsPerWindow: integer('flap-max-registrations', values['flap-max-registrations'], D.maxRegistrationsPerWindow, 0, 1_000_000),
    flapWindowMs: integer('flap-window-ms', values['flap-window-ms'], D.flapWindowMs, 1, DURATION_MAX),
    flapPenaltyMs: integer('flap-penalty-ms', values['flap-penalty-ms'], D.flapPenaltyMs, 1, DURATION_MAX),
    maxLifetimeMs: integer('max-lifetime-ms', values['max-lifetime-ms'], D.maxLifetimeMs, 0, DURATION_MAX),
    tlsCert: values['tls-cert'],
    tlsKey: values['tls-key'],
  };
}

function oneOf<T extends string>(name: string, raw: string | undefined, allowed: readonly T[], fallback: T, fail: (text: string) => never): T {
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) fail(`--${name} must be one of ${allowed.join(', ')}, got '${raw}'`);
  return raw as T;
}
