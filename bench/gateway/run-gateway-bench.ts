/**
 * `npm run bench:gateway [-- --quick] [-- --only keepwatch,ws]`: the same load
 * (the scripts/load tool) against keepwatch serve on 1 and 2 I/O threads and
 * three baselines, one server process at a time (keepwatch --ping ws on 1
 * and 2 threads for idle CPU only), then keepwatch alone at scale (15,000
 * connections, 100,000 multiplexed client_ids; on 1 and on 2 I/O threads),
 * then heartbeat throughput in alternating windows: echo vs keepwatch,
 * keepwatch on 1 vs 2 threads. --scale-only: the scale runs alone.
 * `--edge-only`: keepwatch auth+TLS (--tls-cert/--tls-key --auth jwt,
 * wss:// with a token per connection) and plain keepwatch on the same load,
 * alternately, EDGE_PAIRS times (issue 10's first target); not part of the
 * default run, whose 30-minute bound 15,000 TLS handshakes would strain.
 * `--rss-only`: RSS per connection only, keepwatch on 1 and 2 threads (the
 * scale run's first step without the scale run; minutes).
 * `--edge-rss`: RSS per connection only, same load, in one run: bare uWS
 * App and SSLApp, the latter without and with ssl_prefer_low_memory_usage
 * (echo; TLS's own cost inside uWS), keepwatch plain, auth,
 * TLS and auth+TLS.
 * Prints tables; writes bench/results/gateway.json and gateway.svg
 * (gateway-quick.* for --quick, gateway-interleaved.* for --interleaved-only,
 * gateway-scale.* for --scale-only, gateway-rss.* for --rss-only, gateway-edge.* for --edge-only,
 * gateway-edge-rss.* for --edge-rss).
 * `--load-tool native|js`: what drives the throughput windows; native (the
 * default) is scripts/load/native/ws-burst.c, built on first use with the
 * machine's C compiler (the run fails with a clear message without one);
 * js is the JS load children (throughput-window.ts).
 */
import { benchFlags, progress } from '../lib/index.js';
import { FULL, QUICK } from './bench-settings.js';
import { report } from './gateway-report.js';
import { measureServer, type LoadPlan, type ServerMeasurement } from './measure-server.js';
import { interleavedThroughput, type InterleavedThroughput } from './throughput-ab.js';
import type { LoadTool } from './throughput-window.js';
import {
  KEEPWATCH,
  KEEPWATCH_2_THREADS,
  KEEPWATCH_2_THREADS_PING_WS,
  KEEPWATCH_AUTH,
  KEEPWATCH_AUTH_TLS,
  KEEPWATCH_PING_WS,
  KEEPWATCH_TLS,
  UWS_ECHO,
  UWS_ECHO_TLS,
  UWS_ECHO_TLS_LOW_MEMORY,
  UWS_IDLE,
  WS_HEARTBEAT,
  type ServerKind,
} from './server-kinds.js';

/** --edge-only: plain and auth+TLS measured alternately this many times each, so a change in the machine's load hits both. */
const EDGE_PAIRS = { full: 2, quick: 1 };
/** Hard bound on the whole run; on exit, by any path, every server and load child is killed by PID. */
const MAX_RUN_MS = { full: 30 * 60_000, quick: 6 * 60_000 };

async function main(): Promise<void> {
  const values = benchFlags('npm run bench:gateway --', {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'no-scale': { type: 'boolean', default: false },
    // Only the interleaved throughput comparisons (echo vs keepwatch, 1 vs 2 threads): minutes instead of a quarter hour.
    'interleaved-only': { type: 'boolean', default: false },
    // Only keepwatch at scale, on 1 and 2 threads (detection p99 with 100,000 clients, RSS).
    'scale-only': { type: 'boolean', default: false },
    // Only RSS per connection at the same-load size on 1 and 2 threads: --scale-only's first step alone.
    'rss-only': { type: 'boolean', default: false },
    // Only keepwatch and keepwatch auth+TLS, alternately (issue 10): 12-20 minutes.
    'edge-only': { type: 'boolean', default: false },
    // Only RSS per connection: uWS App vs SSLApp, keepwatch plain / auth / TLS / auth+TLS (issue 10).
    'edge-rss': { type: 'boolean', default: false },
    // What drives the throughput windows: the C tool (scripts/load/native/ws-burst.c) or the JS load children.
    'load-tool': { type: 'string', default: 'native' },
  });
  const loadTool = values['load-tool'];
  if (loadTool !== 'native' && loadTool !== 'js') {
    process.stderr.write(`npm run bench:gateway --: --load-tool must be native or js, got '${loadTool}'\n`);
    process.exit(2);
  }
  const interleavedOnly = values['interleaved-only'];
  const scaleOnly = values['scale-only'];
  const edgeOnly = values['edge-only'];
  const edgeRss = values['edge-rss'];
  const rssOnly = values['rss-only'];
  const sameLoadRuns = !interleavedOnly && !scaleOnly && !edgeRss && !rssOnly;
  const s = values.quick ? QUICK : FULL;
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench:gateway: over ${MAX_RUN_MS[s.mode] / 60_000} minutes, stopping\n`);
    process.exit(1);
  }, MAX_RUN_MS[s.mode]);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130));
  const only = values.only?.split(',').map((n) => n.trim().toLowerCase());
  const chosen = (k: ServerKind): boolean => only === undefined || only.some((o) => k.name.toLowerCase().startsWith(o));
  const kinds: ServerKind[] = edgeOnly
    ? Array.from({ length: EDGE_PAIRS[s.mode] }, () => [KEEPWATCH, KEEPWATCH_AUTH_TLS]).flat()
    : [UWS_ECHO, WS_HEARTBEAT, UWS_IDLE, KEEPWATCH, KEEPWATCH_2_THREADS].filter(chosen);
  // --ping ws changes only what a quiet client costs: measured for idle CPU alone.
  const idleOnlyKinds: ServerKind[] = edgeOnly ? [] : [KEEPWATCH_PING_WS, KEEPWATCH_2_THREADS_PING_WS].filter(chosen);
  const same: LoadPlan = {
    label: `${s.connections} single`,
    connections: s.connections,
    muxConnections: 0,
    idsPerMux: 2,
    idleCpu: true,
    throughput: true,
    detection: true,
    steadyHeartbeatMs: 0,
    loadTool,
    detectionHeartbeatMs: s.detectionHeartbeatMs,
    timeoutMs: s.timeoutMs,
    pingIntervalMs: s.pingIntervalMs,
  };
  const measurements: ServerMeasurement[] = [];
  for (const kind of sameLoadRuns ? kinds : []) {
    progress(`${kind.name}: ${kind.describe(s)}`);
    measurements.push(await measureServer(kind, s, same));
  }
  const idleOnly: LoadPlan = { ...same, throughput: false, detection: false };
  for (const kind of sameLoadRuns ? idleOnlyKinds : []) {
    progress(`${kind.name} (idle CPU only): ${kind.describe(s)}`);
    measurements.push(await measureServer(kind, s, idleOnly));
  }
  // --scale-only: RSS per connection at the same-load size (quiet single-client connections, nothing else measured) on 1 and 2 threads.
  const rssPlan: LoadPlan = { ...same, idleCpu: false, throughput: false, detection: false };
  // --edge-rss: the same, for TLS and auth against their baselines in one run.
  const rssKinds = scaleOnly || rssOnly ? [KEEPWATCH, KEEPWATCH_2_THREADS].filter((k) => kinds.includes(k)) : edgeRss ? [UWS_ECHO, UWS_ECHO_TLS, UWS_ECHO_TLS_LOW_MEMORY, KEEPWATCH, KEEPWATCH_AUTH, KEEPWATCH_TLS, KEEPWATCH_AUTH_TLS] : [];
  for (const kind of rssKinds) {
    progress(`${kind.name} (RSS only): ${kind.describe(s)}`);
    measurements.push(await measureServer(kind, s, rssPlan));
  }
  const scales: ServerMeasurement[] = [];
  if (!values['no-scale'] && !interleavedOnly && !edgeOnly && !edgeRss && !rssOnly) {
    const scalePlan: LoadPlan = {
      label: `${s.scaleConnections - s.scaleMuxConnections} single + ${s.scaleMuxConnections} x ${s.scaleIdsPerMux} mux`,
      connections: s.scaleConnections,
      muxConnections: s.scaleMuxConnections,
      idsPerMux: s.scaleIdsPerMux,
      idleCpu: false,
      throughput: false,
      detection: true,
      steadyHeartbeatMs: s.scaleHeartbeatMs,
      detectionHeartbeatMs: s.scaleHeartbeatMs,
      timeoutMs: s.scaleTimeoutMs,
      pingIntervalMs: s.scalePingIntervalMs,
      loadTool,
    };
    for (const kind of [KEEPWATCH, KEEPWATCH_2_THREADS].filter((k) => kinds.includes(k))) {
      progress(`${kind.name} at scale: ${scalePlan.label}`);
      scales.push(await measureServer(kind, s, scalePlan));
    }
  }
  let ab: InterleavedThroughput | null = null;
  if (!scaleOnly && !edgeOnly && !edgeRss && !rssOnly && kinds.includes(KEEPWATCH) && kinds.includes(UWS_ECHO)) {
    progress(`interleaved throughput: uWS echo vs keepwatch, ${s.abConnections} connections each, ${s.abRounds} rounds, load tool ${loadTool}`);
    ab = await interleavedThroughput(UWS_ECHO, KEEPWATCH, s, s.abConnections, s.abRounds, loadTool);
  }
  let abThreads: InterleavedThroughput | null = null;
  if (!scaleOnly && !edgeOnly && !edgeRss && !rssOnly && kinds.includes(KEEPWATCH) && kinds.includes(KEEPWATCH_2_THREADS)) {
    progress(`interleaved throughput: keepwatch on 1 vs 2 threads, ${s.abConnections} connections each, ${s.abRounds} rounds, load tool ${loadTool}`);
    abThreads = await interleavedThroughput(KEEPWATCH, KEEPWATCH_2_THREADS, s, s.abConnections, s.abRounds, loadTool);
  }
  const flags = [values.quick ? '--quick' : '', values['no-scale'] ? '--no-scale' : '', interleavedOnly ? '--interleaved-only' : '', scaleOnly ? '--scale-only' : '', rssOnly ? '--rss-only' : '', edgeOnly ? '--edge-only' : '', edgeRss ? '--edge-rss' : '', loadTool === 'js' ? '--load-tool js' : ''].filter((f) => f !== '');
  const name = s.mode === 'quick' ? 'gateway-quick' : interleavedOnly ? 'gateway-interleaved' : scaleOnly ? 'gateway-scale' : rssOnly ? 'gateway-rss' : edgeOnly ? 'gateway-edge' : edgeRss ? 'gateway-edge-rss' : 'gateway';
  report(s, measurements, scales, ab, abThreads, `npm run bench:gateway${flags.length > 0 ? ` -- ${flags.join(' ')}` : ''}`, name);
  clearTimeout(watchdog);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:gateway failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
