/**
 * Issue 10's third target as a measurement: one connection floods the
 * gateway with heartbeat frames at --rate frames/s (200,000) while
 * --victims well-behaved clients (each alone on its connection) heartbeat
 * every --period-ms with a msg_id and time the replies. Per --threads value
 * (1 and 2), three servers:
 *   - "no limit" (--max-message-rate 0), so the flood is read and handled;
 *     --rounds pairs of a quiet window and a flood window of --seconds
 *     each, alternating (the quiet windows are the same run's baseline);
 *   - "default": the gateway's default settings (a message rate limit of
 *     10,000/s, burst 10,000, 3 strikes of 50 ms);
 *   - "limit N": --max-message-rate --limit (burst = the rate, 3 strikes);
 *   each limited one: a quiet window, then the flood until the server
 *   closes it (or --seconds): the flood window is the flood's lifetime;
 *   what the limiter did: error 33 notices, close code, time from the
 *   flood's first frame to the close, messages dropped.
 * Reported: victims' reply round trip p50/p99 per window kind, every
 * victim the server closed (a false expiry: they never stop), the rate the
 * generator's socket took (and, first, its ceiling into a loopback socket
 * that discards), the heartbeats the server counted per second. The flood
 * generator is its own process (flood-generator.ts); the server is killed
 * by PID. Loopback only, bounded in time.
 *
 *   node dist/bench/overload/frame-flood.js --threads 1,2 --rate 200000 --seconds 10
 */
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { printTable, writeResultsJson } from '../lib/index.js';
import { readCpuSeconds } from '../gateway/proc-stats.js';
import { fetchMetricsText, sampleValue } from '../gateway/server-metrics.js';
import type { FloodResult, FromGenerator, ToGenerator } from './flood-generator.js';
import { HeartbeatVictims } from './heartbeat-victims.js';
import { flags, percentile, round, runBench, startServe } from './overload-kit.js';

const f = flags('node dist/bench/overload/frame-flood.js', { threads: '1,2', rate: '200000', seconds: '10', rounds: '2', victims: '200', 'period-ms': '100', 'timeout-ms': '1500', limit: '1000' });
const GENERATOR = fileURLToPath(new URL('./flood-generator.js', import.meta.url));
const FLOODER_ID = 'flooder';
/** Pause after each flood window (the kernel may hold megabytes of it the server has yet to read). */
const AFTER_FLOOD_MS = 2000;
/** Generous bound on a flood's report: the flood itself plus drain and close. */
const FLOOD_REPLY_SLACK_MS = 30_000;

/** The generator process seen from here: fork, wait until registered, one flood at a time. */
class Generator {
  private readonly inbox: FromGenerator[] = [];
  private waiter: (() => void) | null = null;
  private readonly child: ChildProcess;

  constructor(args: string[]) {
    this.child = fork(GENERATOR, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (msg: FromGenerator) => {
      this.inbox.push(msg);
      this.waiter?.();
    });
    this.child.on('exit', () => this.waiter?.());
  }

  private async next<T extends FromGenerator['t']>(t: T, timeoutMs: number): Promise<Extract<FromGenerator, { t: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.inbox.findIndex((m) => m.t === t);
      if (at >= 0) return this.inbox.splice(at, 1)[0] as Extract<FromGenerator, { t: T }>;
      if (this.child.exitCode !== null || Date.now() > deadline) throw new Error(`flood generator: no ${t}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  ready(): Promise<unknown> {
    return this.next('ready', 20_000);
  }

  async flood(rate: number, ms: number): Promise<FloodResult> {
    this.child.send({ t: 'flood', rate, ms } satisfies ToGenerator);
    return (await this.next('flooded', ms + FLOOD_REPLY_SLACK_MS)).result;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

interface WindowFigures {
  kind: 'quiet' | 'flood';
  rttP50Ms: number;
  rttP99Ms: number;
  rttMaxMs: number;
  replies: number;
  /** Heartbeats the server counted per second over the window (the victims' and the flood's). */
  serverHeartbeatsPerSec: number | null;
  serverCpuPct: number;
  /** The server's (main thread's) event-loop delay over the window, ms. */
  loopLagP99Ms: number | null;
  loopLagMaxMs: number | null;
  flood: FloodResult | null;
}

type Mode = 'no limit' | 'default' | 'limit';

interface ServerRun {
  threads: number;
  mode: Mode;
  windows: WindowFigures[];
  /** Round trip p99 of all quiet windows' replies pooled, and of all flood windows'. */
  quietP99Ms: number;
  floodP99Ms: number;
  falseExpiries: number;
  closeCodes: number[];
  rateLimitedMessages: number | null;
  loadAverage: number[];
}

/** What /metrics says at a window's edge: heartbeats counted so far, and the event-loop delay since the previous scrape (prom-client resets it on each). */
async function scrape(port: number): Promise<{ heartbeats: number | null; lagP99Ms: number | null; lagMaxMs: number | null }> {
  const text = (await fetchMetricsText(port)) ?? '';
  const ms = (name: string): number | null => {
    const v = sampleValue(text, name);
    return v === null ? null : round(v * 1000, 2);
  };
  return { heartbeats: sampleValue(text, 'keepwatch_heartbeats_total'), lagP99Ms: ms('nodejs_eventloop_lag_p99_seconds'), lagMaxMs: ms('nodejs_eventloop_lag_max_seconds') };
}

/** One window: the victims' round trips over it, the server's CPU and counted heartbeats, and the flood if one runs. */
async function measureWindow(port: number, pid: number, victims: HeartbeatVictims, flood: Generator | null, ms: number, pool: number[]): Promise<WindowFigures> {
  victims.takeRtts();
  const before = await scrape(port);
  const cpu0 = readCpuSeconds(pid);
  // Replies that came in between windows (a flood's drain) belong to neither.
  victims.takeRtts();
  const t0 = performance.now();
  const result = flood === null ? (await new Promise((r) => setTimeout(r, ms)), null) : await flood.flood(Number(f.rate), ms);
  const secs = (performance.now() - t0) / 1000;
  const cpu1 = readCpuSeconds(pid);
  const rtts = victims.takeRtts();
  pool.push(...rtts);
  const after = await scrape(port);
  const [hb0, hb1] = [before.heartbeats, after.heartbeats];
  return {
    kind: flood === null ? 'quiet' : 'flood',
    rttP50Ms: round(percentile(rtts, 50), 3),
    rttP99Ms: round(percentile(rtts, 99), 3),
    rttMaxMs: round(Math.max(...rtts), 3),
    replies: rtts.length,
    serverHeartbeatsPerSec: hb0 === null || hb1 === null ? null : Math.round((hb1 - hb0) / secs),
    serverCpuPct: round((100 * (cpu1 - cpu0)) / secs, 1),
    loopLagP99Ms: after.lagP99Ms,
    loopLagMaxMs: after.lagMaxMs,
    flood: result,
  };
}

const LIMIT_ARGS: Record<Mode, () => string[]> = { 'no limit': () => ['--max-message-rate', '0'], default: () => [], limit: () => ['--max-message-rate', f.limit] };
const modeName = (mode: Mode): string => (mode === 'limit' ? `limit ${f.limit}` : mode);

async function runServer(threads: number, mode: Mode): Promise<ServerRun> {
  const { server, port } = await startServe(`gateway ${modeName(mode)} --threads ${threads}`, ['--threads', String(threads), ...LIMIT_ARGS[mode]()]);
  let victims: HeartbeatVictims | null = null;
  const generator = new Generator([String(port), FLOODER_ID]);
  try {
    victims = await HeartbeatVictims.open(port, Number(f.victims), Number(f['timeout-ms']), Number(f['period-ms']));
    await generator.ready();
    await new Promise((r) => setTimeout(r, 1000));
    const ms = Number(f.seconds) * 1000;
    const windows: WindowFigures[] = [];
    const pooled = { quiet: [] as number[], flood: [] as number[] };
    // A limited flood ends with its connection: one round (the generator does not reconnect).
    const rounds = mode === 'no limit' ? Number(f.rounds) : 1;
    for (let i = 0; i < rounds; i++) {
      windows.push(await measureWindow(port, server.pid, victims, null, ms, pooled.quiet));
      windows.push(await measureWindow(port, server.pid, victims, generator, ms, pooled.flood));
      // What the server had not yet read of the flood drains before the next quiet window starts.
      await new Promise((r) => setTimeout(r, AFTER_FLOOD_MS));
      process.stderr.write(`[flood] ${modeName(mode)} --threads ${threads} round ${i + 1}: ${JSON.stringify(windows.slice(-2).map(({ flood, ...w }) => ({ ...w, achieved: flood?.achievedPerSec })))}\n`);
    }
    // Then who was closed.
    const metrics = await fetchMetricsText(port);
    return {
      threads,
      mode,
      windows,
      quietP99Ms: round(percentile(pooled.quiet, 99), 3),
      floodP99Ms: round(percentile(pooled.flood, 99), 3),
      falseExpiries: victims.count - victims.stillOpen,
      closeCodes: [...victims.closed],
      rateLimitedMessages: metrics === null ? null : sampleValue(metrics, 'keepwatch_rate_limited_messages_total'),
      loadAverage: loadavg(),
    };
  } finally {
    generator.kill();
    victims?.close();
    await server.stop();
  }
}

/** The generator's own ceiling: frames into a loopback socket whose reader discards them (this process, idle meanwhile). */
async function generatorCeiling(): Promise<FloodResult> {
  const sink = net.createServer((socket) => socket.resume());
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const generator = new Generator(['--sink', String((sink.address() as net.AddressInfo).port)]);
  try {
    await generator.ready();
    return await generator.flood(Number(f.rate), 3000);
  } finally {
    generator.kill();
    sink.close();
  }
}

async function main(): Promise<void> {
  const ceiling = await generatorCeiling();
  process.stderr.write(`[flood] generator ceiling: ${Math.round(ceiling.achievedPerSec)} frames/s asked ${f.rate} (${ceiling.frameBytes} B frames)\n`);
  const runs: ServerRun[] = [];
  for (const threads of f.threads.split(',').map(Number)) {
    for (const mode of ['no limit', 'default', 'limit'] as const) runs.push(await runServer(threads, mode));
  }
  const floods = (r: ServerRun): FloodResult[] => r.windows.flatMap((w) => (w.flood === null ? [] : [w.flood]));
  printTable(
    `Frame flood: one connection at ${f.rate} frames/s asked (generator ceiling ${Math.round(ceiling.achievedPerSec)}/s), ${f.victims} victims heartbeating every ${f['period-ms']} ms (timeout ${f['timeout-ms']} ms); p99 added: all flood windows' replies pooled minus all quiet windows'`,
    ['server', 'RTT p50 quiet/flood', 'RTT p99 quiet/flood', 'p99 added', 'RTT max quiet/flood', 'loop lag p99 quiet/flood', 'flood taken /s', 'server hb/s in flood', 'server CPU flood', 'false expiries', 'limiter', 'load avg'],
    runs.map((r) => {
      const quiet = r.windows.filter((w) => w.kind === 'quiet');
      const flood = r.windows.filter((w) => w.kind === 'flood');
      const limiter = floods(r).map((x) => `${x.rateLimitNotices} x error 33, close ${x.closeCode ?? '-'} after ${x.closedAfterMs === null ? '-' : `${Math.round(x.closedAfterMs)} ms`}`).join('; ');
      return [
        `${modeName(r.mode)} --threads ${r.threads}`,
        `${quiet.map((w) => w.rttP50Ms.toFixed(2)).join(' ')} / ${flood.map((w) => w.rttP50Ms.toFixed(2)).join(' ')} ms`,
        `${quiet.map((w) => w.rttP99Ms.toFixed(2)).join(' ')} / ${flood.map((w) => w.rttP99Ms.toFixed(2)).join(' ')} ms`,
        `${(r.floodP99Ms - r.quietP99Ms).toFixed(2)} ms`,
        `${quiet.map((w) => w.rttMaxMs.toFixed(1)).join(' ')} / ${flood.map((w) => w.rttMaxMs.toFixed(1)).join(' ')} ms`,
        `${quiet.map((w) => w.loopLagP99Ms ?? '-').join(' ')} / ${flood.map((w) => w.loopLagP99Ms ?? '-').join(' ')} ms`,
        floods(r).map((x) => Math.round(x.achievedPerSec).toLocaleString('en-US')).join(' '),
        flood.map((w) => (w.serverHeartbeatsPerSec ?? 0).toLocaleString('en-US')).join(' '),
        flood.map((w) => `${w.serverCpuPct}%`).join(' '),
        String(r.falseExpiries),
        r.mode === 'no limit' ? '-' : `${limiter}; ${r.rateLimitedMessages ?? '-'} dropped`,
        r.loadAverage[0].toFixed(1),
      ];
    }),
  );
  const json = writeResultsJson('overload-flood', { flags: f, generatorCeiling: ceiling, runs });
  process.stdout.write(`\nwrote ${json}\n`);
}

runBench(main);
