import { FlagError, integerFlag } from '../../cli/parse-flags.js';
import { parseWithSources } from '../../edge/config-sources.js';
import { parseClusterFlags } from '../../cluster/cluster-flags.js';
import { MAX_SHARDS, MAX_WORKERS } from '../../monitor/live-monitor-bounds.js';
import { DEFAULT_GATEWAY_OPTIONS, PING_MODES, type GatewayOptions } from './options.js';
import { TEST_HOOKS_ENV } from './test-hooks.js';
import { exposureProblem } from '../../edge/exposure-policy.js';
import { EDGE_FLAGS, parseEdgeArgs } from '../../edge/edge-args.js';

export class ServeUsageError extends Error {}

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export type ServeArgs = { help: true } | { help: false; options: GatewayOptions };

/** `keepwatch serve` flags -> options; ServeUsageError for anything malformed. */
export function parseServeArgs(args: string[], env: NodeJS.ProcessEnv): ServeArgs {
  let values;
  try {
    values = parseWithSources(args, env, {
      host: { type: 'string' },
      port: { type: 'string' },
      shards: { type: 'string' },
      workers: { type: 'string' },
      threads: { type: 'string' },
      ping: { type: 'string' },
      'max-payload-bytes': { type: 'string' },
      'max-clients-per-connection': { type: 'string' },
      'max-send-buffer-bytes': { type: 'string' },
      'max-output-bytes': { type: 'string' },
      'ping-jitter-ms': { type: 'string' },
      'max-unreported-expiries': { type: 'string' },
      'max-status-requests': { type: 'string' },
      'max-clients': { type: 'string' },
      'max-connections': { type: 'string' },
      'shutdown-timeout-ms': { type: 'string' },
      'register-timeout-ms': { type: 'string' },
      'allow-js-fallback': { type: 'boolean' },
      'log-level': { type: 'string' },
      'admin-token': { type: 'string' },
      'admin-host': { type: 'string' },
      'admin-port': { type: 'string' },
      insecure: { type: 'boolean' },
      redis: { type: 'string' },
      'redis-cluster': { type: 'string' },
      'node-id': { type: 'string' },
      'cluster-lease-ms': { type: 'string' },
      ...EDGE_FLAGS,
      help: { type: 'boolean', short: 'h' },
    });
  } catch (error) {
    if (error instanceof FlagError) throw new ServeUsageError(error.message);
    throw error;
  }
  if (values.help) return { help: true };
  const D = DEFAULT_GATEWAY_OPTIONS;
  const logLevel = values['log-level'] ?? D.logLevel;
  if (!LOG_LEVELS.has(logLevel)) throw new ServeUsageError(`--log-level must be one of ${[...LOG_LEVELS].join(', ')}`);
  const ping = PING_MODES.find((mode) => mode === (values.ping ?? D.ping));
  if (ping === undefined) throw new ServeUsageError(`--ping must be one of ${PING_MODES.join(', ')}, got '${values.ping}'`);
  const adminToken = values['admin-token'];
  if (adminToken !== undefined && !/^[\x21-\x7e]{16,}$/.test(adminToken)) {
    throw new ServeUsageError('--admin-token must be at least 16 printable ASCII characters without spaces');
  }
  const result = {
    help: false as const,
    options: {
      host: values.host ?? D.host,
      port: integer('port', values.port, D.port, 0, 65535),
      shards: integer('shards', values.shards, D.shards, 1, MAX_SHARDS),
      workers: integer('workers', values.workers, D.workers, 0, MAX_WORKERS),
      threads: integer('threads', values.threads, D.threads, 1, 64),
      maxPayloadBytes: integer('max-payload-bytes', values['max-payload-bytes'], D.maxPayloadBytes, 64, 64 * 1024 * 1024),
      maxClientsPerConnection: integer('max-clients-per-connection', values['max-clients-per-connection'], D.maxClientsPerConnection, 1, 10_000_000),
      maxSendBufferBytes: integer('max-send-buffer-bytes', values['max-send-buffer-bytes'], D.maxSendBufferBytes, 1024, 1024 ** 3),
      maxOutputBytes: integer('max-output-bytes', values['max-output-bytes'], D.maxOutputBytes, 1024, 64 * 1024 ** 3),
      ping,
      pingJitterMs: integer('ping-jitter-ms', values['ping-jitter-ms'], D.pingJitterMs, 0, 3_600_000),
      maxUnreportedExpiries: integer('max-unreported-expiries', values['max-unreported-expiries'], D.maxUnreportedExpiries, 0, 10_000_000),
      maxStatusRequests: integer('max-status-requests', values['max-status-requests'], D.maxStatusRequests, 1, 10_000),
      maxConnections: integer('max-connections', values['max-connections'], D.maxConnections, 1, 10_000_000),
      maxClients: integer('max-clients', values['max-clients'], D.maxClients, 1, 100_000_000),
      registerTimeoutMs: integer('register-timeout-ms', values['register-timeout-ms'], D.registerTimeoutMs, 0, 2 ** 31 - 1),
      shutdownTimeoutMs: integer('shutdown-timeout-ms', values['shutdown-timeout-ms'], D.shutdownTimeoutMs, 1, 600_000),
      allowJsFallback: values['allow-js-fallback'] ?? false,
      logLevel,
      testHooks: env[TEST_HOOKS_ENV] === '1',
      adminToken,
      adminHost: values['admin-host'] ?? D.adminHost,
      adminPort: values['admin-port'] === undefined ? D.adminPort : integer('admin-port', values['admin-port'], 0, 0, 65535),
      insecure: values.insecure ?? false,
      cluster: parseClusterFlags(values, (message) => new ServeUsageError(message)),
      ...parseEdgeArgs(values, integer, usageError),
    },
  };
  const problem = exposureProblem(result.options);
  if (problem !== undefined) throw new ServeUsageError(problem);
  return result;
}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  try {
    return integerFlag(name, raw, fallback, min, max);
  } catch (error) {
    throw error instanceof FlagError ? new ServeUsageError(error.message) : error;
  }
}

function usageError(text: string): never {
  throw new ServeUsageError(text);
}
