import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../lib/free-port.js';
import { nowNs } from '../lib/histogram.js';
import { maskedTextFrame, registerText } from '../../scripts/load/client-frames.js';
import { closeFrameCode } from '../../scripts/load/expiry-observer.js';
import { GATEWAY_NODE_FLAGS } from './server-kinds.js';
import { ServerProcess } from './server-process.js';

/**
 * What one expiry-close costs the gateway. `--clients` lone connections
 * register at the same instant and fall silent, so they all fall due within
 * a few ms of each other (the gateway reads the registrations in a few
 * loop turns). Per burst it prints:
 * - CPU per close: every gateway thread's run time (/proc/PID/task/TID/schedstat,
 *   ns) from 300 ms before the deadline to 100 ms after the last close, less
 *   the idle rate of the second before, over the closes (the main thread's
 *   share: "busiest thread");
 * - acting per close: keepwatch_sweep_latency_seconds{event="expired"}, the
 *   gateway's own wall time acting on the sweeps' findings, over the closes;
 * - close - (register_ok + timeout): the close frame seen here minus its
 *   ka_register_ok seen here plus the timeout, about close - deadline (the
 *   gateway sets a client's last activity just before it answers), and how
 *   far apart the first and the last close came.
 * One gateway process takes `--bursts` bursts in a row: the first meets cold
 * code, as a process's first expiries do. Several --cli alternate, round by
 * round (A/B interleaved on one machine):
 *
 *   node dist/bench/gateway/expiry-burst.js --cli /tmp/base/dist/src/cli/main.js --cli dist/src/cli/main.js --rounds 3 --bursts 2
 */
const { values } = parseArgs({
  options: {
    cli: { type: 'string', multiple: true },
    clients: { type: 'string', default: '2000' },
    threads: { type: 'string', default: '1' },
    'timeout-ms': { type: 'string', default: '3000' },
    rounds: { type: 'string', default: '3' },
    bursts: { type: 'string', default: '1' },
    // Samples the gateway with `perf record -g` over each burst's window into this file (root, perf installed).
    'perf-out': { type: 'string' },
  },
});
const here = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));
const clis = values.cli ?? [here('../../src/cli/main.js')];
const clients = Number(values.clients);
const threads = Number(values.threads);
const timeoutMs = Number(values['timeout-ms']);
const rounds = Number(values.rounds);
const burstsPerGateway = Number(values.bursts);
const CONNECT_BATCH = 200;

interface BurstResult {
  cpuUsPerClose: number;
  mainThreadUsPerClose: number;
  actUsPerClose: number;
  closed: number;
  p50: number;
  p99: number;
  max: number;
  spreadMs: number;
  loadavg: string;
}

/** Every thread's run time so far, ns (schedstat's first field), by thread id. */
function threadCpuNs(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(tid, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}

function total(m: Map<string, number>): number {
  let s = 0;
  for (const v of m.values()) s += v;
  return s;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** A raw WebSocket connection (the handshake by hand): resolves once upgraded. */
function openRaw(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.write(
        'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
    });
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      if (!head.startsWith('HTTP/1.1 101')) reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
      else resolve(socket);
    };
    socket.on('data', onData);
  });
}

/** `clients` lone connections and when each saw its ka_register_ok and its close frame (0: not yet), ns. */
class BurstClients {
  readonly okNs = new Float64Array(clients);
  readonly closedNs = new Float64Array(clients);
  registered = 0;
  closed = 0;

  private constructor(private readonly sockets: net.Socket[]) {
    sockets.forEach((socket, i) => {
      socket.on('data', (chunk: Buffer) => this.read(i, chunk));
      socket.on('error', () => undefined);
    });
  }

  static async open(port: number): Promise<BurstClients> {
    const sockets: net.Socket[] = [];
    for (let i = 0; i < clients; i += CONNECT_BATCH) {
      sockets.push(...(await Promise.all(Array.from({ length: Math.min(CONNECT_BATCH, clients - i) }, () => openRaw(port)))));
    }
    return new BurstClients(sockets);
  }

  /** Registers every client in one go; a ping interval past the timeout, so nothing but the expiry happens to them. */
  registerAll(): void {
    const frames = this.sockets.map((_, i) => maskedTextFrame(registerText(`burst-${i}`, timeoutMs, timeoutMs * 10, 1)));
    this.sockets.forEach((socket, i) => socket.write(frames[i]));
  }

  /** close - (register_ok + timeout) of each closed client, ms, ascending. */
  delaysMs(): number[] {
    const out: number[] = [];
    for (let i = 0; i < clients; i++) if (this.closedNs[i] > 0) out.push((this.closedNs[i] - this.okNs[i]) / 1e6 - timeoutMs);
    return out.sort((a, b) => a - b);
  }

  destroy(): void {
    for (const s of this.sockets) s.destroy();
  }

  private read(i: number, chunk: Buffer): void {
    const at = nowNs();
    if (this.okNs[i] === 0 && chunk.includes('ka_register_ok')) {
      this.okNs[i] = at;
      this.registered++;
    }
    if (this.closedNs[i] === 0 && closeFrameCode(chunk) !== null) {
      this.closedNs[i] = at;
      this.closed++;
    }
  }
}

/** keepwatch_sweep_latency_seconds_sum{event="expired"} from GET /metrics (every thread's, summed). */
async function expiredSweepSeconds(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('keepwatch_sweep_latency_seconds_sum{event="expired"'));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

function startPerf(pid: number, out: string): ChildProcess {
  return spawn('perf', ['record', '-F', '20000', '-g', '-p', String(pid), '-o', out], { stdio: ['ignore', 'ignore', 'inherit'] });
}

async function stopPerf(perf: ChildProcess): Promise<void> {
  if (perf.exitCode !== null) return;
  const exited = new Promise((resolve) => perf.once('exit', resolve));
  perf.kill('SIGINT');
  await exited;
}

/** One burst on a running gateway: its clients register, fall due together and are closed; measured as above. */
async function burst(server: ServerProcess, port: number): Promise<BurstResult> {
  const burstClients = await BurstClients.open(port);
  try {
    await sleep(500);
    const dueNs = nowNs() + timeoutMs * 1e6;
    burstClients.registerAll();
    while (burstClients.registered < clients && nowNs() < dueNs - 1500e6) await sleep(10);
    if (burstClients.registered < clients) throw new Error(`only ${burstClients.registered} of ${clients} registered in time (try a longer --timeout-ms)`);
    await sleep(Math.max(0, (dueNs - nowNs()) / 1e6 - 1300));
    // Scraped before the measured window: a scrape costs the gateway CPU too.
    const actBefore = await expiredSweepSeconds(port);
    const perf = values['perf-out'] === undefined ? undefined : startPerf(server.pid, values['perf-out']);
    const idleFrom = total(threadCpuNs(server.pid));
    const idleFromAt = nowNs();
    await sleep(1000);
    const start = threadCpuNs(server.pid);
    const startAt = nowNs();
    const idleRate = (total(start) - idleFrom) / (startAt - idleFromAt);
    while (burstClients.closed < clients && nowNs() < dueNs + 5_000e6) await sleep(5);
    await sleep(100);
    const end = threadCpuNs(server.pid);
    const endAt = nowNs();
    if (perf !== undefined) await stopPerf(perf);
    const actSeconds = (await expiredSweepSeconds(port)) - actBefore;
    const closed = Math.max(1, burstClients.closed);
    let busiest = 0;
    for (const [tid, ns] of end) busiest = Math.max(busiest, ns - (start.get(tid) ?? 0));
    const delays = burstClients.delaysMs();
    return {
      cpuUsPerClose: (total(end) - total(start) - idleRate * (endAt - startAt)) / 1e3 / closed,
      mainThreadUsPerClose: busiest / 1e3 / closed,
      actUsPerClose: (actSeconds * 1e6) / closed,
      closed: burstClients.closed,
      p50: percentile(delays, 50),
      p99: percentile(delays, 99),
      max: delays[delays.length - 1] ?? NaN,
      spreadMs: delays.length === 0 ? NaN : delays[delays.length - 1] - delays[0],
      loadavg: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    };
  } finally {
    burstClients.destroy();
  }
}

/** One gateway process, `count` bursts in a row. */
async function gateway(cli: string, count: number): Promise<BurstResult[]> {
  const port = await freePort();
  const args = [...GATEWAY_NODE_FLAGS, cli, 'serve', '--host', '127.0.0.1', '--port', String(port), '--log-level', 'warn', '--threads', String(threads)];
  const server = await ServerProcess.start('keepwatch', port, args);
  try {
    const out: BurstResult[] = [];
    for (let b = 0; b < count; b++) out.push(await burst(server, port));
    return out;
  } finally {
    await server.stop();
  }
}

function line(res: BurstResult): string {
  return (
    `${res.cpuUsPerClose.toFixed(1)} us CPU/close (busiest thread ${res.mainThreadUsPerClose.toFixed(1)}), acting ${res.actUsPerClose.toFixed(1)} us/close, ` +
    `${res.closed}/${clients} closed, close - (register_ok + timeout) p50 ${res.p50.toFixed(1)} p99 ${res.p99.toFixed(1)} max ${res.max.toFixed(1)} ms, spread ${res.spreadMs.toFixed(1)} ms, load ${res.loadavg}`
  );
}

const byKey = new Map<string, BurstResult[]>();
for (let r = 0; r < rounds; r++) {
  for (const cli of clis) {
    const results = await gateway(cli, burstsPerGateway);
    results.forEach((res, b) => {
      const key = `${cli} burst ${b + 1}`;
      byKey.set(key, [...(byKey.get(key) ?? []), res]);
      console.log(`round ${r + 1} ${key}: ${line(res)}`);
    });
  }
}
for (const [key, results] of byKey) {
  const median = (f: (r: BurstResult) => number): string => {
    const xs = results.map(f).sort((a, b) => a - b);
    return xs[Math.floor(xs.length / 2)].toFixed(1);
  };
  console.log(
    `median ${key}: ${median((r) => r.cpuUsPerClose)} us CPU/close (busiest thread ${median((r) => r.mainThreadUsPerClose)}), acting ${median((r) => r.actUsPerClose)} us/close, ` +
      `p99 ${median((r) => r.p99)} ms, spread ${median((r) => r.spreadMs)} ms`,
  );
}
