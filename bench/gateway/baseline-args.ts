import { benchFlags } from '../lib/bench-flags.js';

export interface BaselineArgs {
  host: string;
  port: number;
  /** ws pattern: the setInterval period; uWS idle: idleTimeout in ms (rounded to whole seconds). */
  intervalMs: number;
  /** PEM files: serve over TLS (uWS SSLApp; the echo server only). */
  tls: { cert: string; key: string; lowMemory: boolean } | undefined;
}

/**
 * `--host 127.0.0.1 --port P --interval-ms N [--tls-cert F --tls-key F [--tls-low-memory]]`,
 * the same for every baseline server; --tls-low-memory: SSLApp's
 * ssl_prefer_low_memory_usage (SSL_MODE_RELEASE_BUFFERS).
 */
export function baselineArgs(defaultIntervalMs: number): BaselineArgs {
  const values = benchFlags(`node ${process.argv[1]}`, {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '9101' },
    'interval-ms': { type: 'string', default: String(defaultIntervalMs) },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'tls-low-memory': { type: 'boolean', default: false },
  });
  const port = Number(values.port);
  const intervalMs = Number(values['interval-ms']);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`--port must be 1..65535, got ${values.port}`);
  if (!Number.isFinite(intervalMs) || intervalMs < 1) throw new Error(`--interval-ms must be positive, got ${values['interval-ms']}`);
  const [cert, key] = [values['tls-cert'], values['tls-key']];
  if ((cert === undefined) !== (key === undefined)) throw new Error('--tls-cert and --tls-key go together');
  if (values['tls-low-memory'] && cert === undefined) throw new Error('--tls-low-memory needs --tls-cert and --tls-key');
  const tls = cert === undefined || key === undefined ? undefined : { cert, key, lowMemory: values['tls-low-memory'] };
  return { host: values.host, port, intervalMs, tls };
}

/** The line the orchestrator waits for on stdout before it connects. */
export function announceListening(name: string, port: number): void {
  process.stdout.write(`listening ${name} ${port}\n`);
}

export function exitOnSignals(close: () => void): void {
  const stop = (): void => {
    close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
