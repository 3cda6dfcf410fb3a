/**
 * `npm run load -- --url ws://127.0.0.1:9001/ws [options]`: one load run
 * against a running server, printed as JSON on stdout. Loopback only,
 * bounded in connections and time; it ends every child it forked by PID.
 */
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { LoadRun, type LoadConfig } from './load-run.js';
import type { ActivityModel } from './detection.js';

const MAX_CONNECTIONS = 20_000;
const MAX_CLIENTS = 200_000;

const HELP = `keepwatch load tool: K WebSocket connections carrying M client_ids, against a server on loopback.

  --url URL                   ws://127.0.0.1:PORT/ws (loopback hosts only)
  --connections K             connections in total (default 300, at most ${MAX_CONNECTIONS})
  --mux-connections N         of those, multiplexed ones (default 0)
  --ids-per-mux N             client_ids per multiplexed connection (default 100)
  --timeout-ms T              registered timeout_ms (default 2000)
  --ping-interval-ms P        registered ping_interval_ms (default 1000)
  --heartbeat-interval-ms H   each client's ka_heartbeat period; 0 = quiet, answers pings only (default 0)
  --silence-fraction F        fraction of connections silenced by SIGSTOP (default 0.05)
  --window-ms W               the server's expiry window the delays are measured against (default = timeout)
  --activity-model client|connection   client: multiplexed ids are refreshed only by messages naming them (keepwatch);
                              connection: any frame refreshes the connection (baselines) (default client)
  --run-seconds S             steady load before silencing (default 3)
  --throughput-seconds S      heartbeat burst throughput window, 0 to skip (default 0)
  --detect-wait-ms D          how long to wait for the silenced clients to be expired (default 3 x window)
  --max-per-child N           connections per child process (default 5000)
  --concurrency N             handshakes in flight per child (default 100)
  --max-seconds S             hard bound on the whole run (default 300)
`;

function parse(): { config: LoadConfig; model: ActivityModel; windowMs: number; runMs: number; throughputMs: number; detectWaitMs: number; maxMs: number } | null {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      connections: { type: 'string', default: '300' },
      'mux-connections': { type: 'string', default: '0' },
      'ids-per-mux': { type: 'string', default: '100' },
      'timeout-ms': { type: 'string', default: '2000' },
      'ping-interval-ms': { type: 'string', default: '1000' },
      'heartbeat-interval-ms': { type: 'string', default: '0' },
      'silence-fraction': { type: 'string', default: '0.05' },
      'window-ms': { type: 'string' },
      'activity-model': { type: 'string', default: 'client' },
      'run-seconds': { type: 'string', default: '3' },
      'throughput-seconds': { type: 'string', default: '0' },
      'detect-wait-ms': { type: 'string' },
      'max-per-child': { type: 'string', default: '5000' },
      concurrency: { type: 'string', default: '100' },
      'max-seconds': { type: 'string', default: '300' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || values.url === undefined) {
    process.stdout.write(HELP);
    return null;
  }
  const num = (name: string, v: string, lo: number, hi: number): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < lo || n > hi) throw new Error(`--${name} must be a number in ${lo}..${hi}, got ${v}`);
    return n;
  };
  const url = new URL(values.url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) throw new Error(`--url must be a loopback address, got ${url.hostname}`);
  const model = values['activity-model'];
  if (model !== 'client' && model !== 'connection') throw new Error('--activity-model must be client or connection');
  const connections = num('connections', values.connections, 1, MAX_CONNECTIONS);
  const mux = num('mux-connections', values['mux-connections'], 0, connections);
  const idsPerMux = num('ids-per-mux', values['ids-per-mux'], 2, 10_000);
  if (connections - mux + mux * idsPerMux > MAX_CLIENTS) throw new Error(`at most ${MAX_CLIENTS} client_ids`);
  const timeoutMs = num('timeout-ms', values['timeout-ms'], 1, 2 ** 31 - 1);
  const windowMs = values['window-ms'] === undefined ? timeoutMs : num('window-ms', values['window-ms'], 1, 2 ** 31 - 1);
  return {
    config: {
      url: url.toString(),
      connections,
      muxConnections: mux,
      idsPerMux,
      timeoutMs,
      pingIntervalMs: num('ping-interval-ms', values['ping-interval-ms'], 1, 2 ** 31 - 1),
      heartbeatIntervalMs: num('heartbeat-interval-ms', values['heartbeat-interval-ms'], 0, 600_000),
      silenceFraction: num('silence-fraction', values['silence-fraction'], 0, 1),
      maxConnectionsPerChild: num('max-per-child', values['max-per-child'], 1, 5_000),
      connectConcurrency: num('concurrency', values.concurrency, 1, 1_000),
    },
    model,
    windowMs,
    runMs: num('run-seconds', values['run-seconds'], 0, 600) * 1000,
    throughputMs: num('throughput-seconds', values['throughput-seconds'], 0, 600) * 1000,
    detectWaitMs: values['detect-wait-ms'] === undefined ? 3 * windowMs : num('detect-wait-ms', values['detect-wait-ms'], 0, 600_000),
    maxMs: num('max-seconds', values['max-seconds'], 1, 3_600) * 1000,
  };
}

async function main(): Promise<void> {
  const args = parse();
  if (args === null) return;
  const run = await LoadRun.start(args.config);
  const bail = (why: string): void => {
    process.stderr.write(`load: ${why}; stopping children\n`);
    run.stop();
    process.exit(2);
  };
  const watchdog = setTimeout(() => bail(`--max-seconds ${args.maxMs / 1000} reached`), args.maxMs);
  process.once('SIGINT', () => bail('SIGINT'));
  process.once('SIGTERM', () => bail('SIGTERM'));
  try {
    const connected = await run.connect();
    process.stderr.write(`load: ${connected.opened} connections, ${connected.registered} client_ids in ${connected.ms.toFixed(0)} ms\n`);
    const throughput = args.throughputMs > 0 ? await run.throughput(Math.min(200, args.config.connections), 32, 1000, args.throughputMs) : null;
    await sleep(args.runMs);
    await run.silence();
    const waitedMs = await run.awaitExpiries(args.detectWaitMs);
    const detection = run.detection(args.model, args.windowMs);
    const losses = await run.losses();
    const counts = await run.counts();
    process.stdout.write(`${JSON.stringify({ connected, throughput, waitedMs, detection, losses, counts }, null, 2)}\n`);
    if (detection.early > 0 || losses.falsePositives > 0) process.exitCode = 1;
  } finally {
    clearTimeout(watchdog);
    run.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`load: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
