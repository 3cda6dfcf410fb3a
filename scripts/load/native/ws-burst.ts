import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { nativeBinary } from './build-native.js';

/** What ws-burst.c is told: the closed-loop burst against one gateway on 127.0.0.1. */
export interface NativeBurstConfig {
  port: number;
  connections: number;
  /** Answered heartbeats kept in flight per connection. */
  window: number;
  warmupMs: number;
  windowMs: number;
  timeoutMs: number;
  pingIntervalMs: number;
  /** client_ids are `<prefix>-<i>`: unique per run, so a run never takes over a client the server still holds from the previous one. */
  idPrefix: string;
}

/** ws-burst's final line (counts over the whole run unless said otherwise). */
export interface NativeBurstResult {
  connections: number;
  window: number;
  windowMs: number;
  /** Replies counted in the window, and per second. */
  replies: number;
  repliesPerSec: number;
  /** The tool's own CPU seconds (user + system, getrusage) over the window, and over its whole run. */
  cpuSeconds: number;
  cpuSecondsTotal: number;
  repliesTotal: number;
  heartbeatsSent: number;
  /** Replies decoded and checked whole (one in 1024), and those that did not answer the heartbeat. */
  sampled: number;
  bad: number;
  /** Error frames from the server, and connections that ended before the tool did. */
  errors: number;
  closes: number;
  kaPings: number;
  pings: number;
  other: number;
  windowReads: number;
  windowWrites: number;
  windowWaits: number;
}

/** Time for the tool's setup (every connection upgraded and registered) beyond its warm-up and window; it bounds itself (alarm) a little later. */
const SETUP_BOUND_MS = 80_000;

/**
 * Runs ws-burst once (built on first use) and resolves with its result.
 * `onWindow` is called as its counted window starts and as its result
 * arrives (a caller's CPU readings of the server). Rejects on a non-zero
 * exit, bad replies, error frames or lost connections: a throughput figure
 * from a server that answered something else is not a figure. The process
 * is killed by its PID if it outlives its bound.
 */
export function runNativeBurst(config: NativeBurstConfig, onWindow?: (edge: 'start' | 'end') => void): Promise<NativeBurstResult> {
  const args = [
    ['--port', config.port],
    ['--connections', config.connections],
    ['--window', config.window],
    ['--warmup-ms', config.warmupMs],
    ['--window-ms', config.windowMs],
    ['--timeout-ms', config.timeoutMs],
    ['--ping-interval-ms', config.pingIntervalMs],
    ['--id-prefix', config.idPrefix],
  ].flatMap(([k, v]) => [String(k), String(v)]);
  const child = spawn(nativeBinary('ws-burst'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid as number;
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => (stderr = (stderr + s).slice(-4000)));
  let result: NativeBurstResult | null = null;
  createInterface({ input: child.stdout }).on('line', (line) => {
    let msg: { event?: string } & NativeBurstResult;
    try {
      msg = JSON.parse(line) as { event?: string } & NativeBurstResult;
    } catch {
      stderr += `\nstdout: ${line}`;
      return;
    }
    if (msg.event === 'window-start') onWindow?.('start');
    else if (msg.event === 'done') {
      onWindow?.('end');
      result = msg;
    }
  });
  const bound = setTimeout(() => child.kill('SIGKILL'), config.warmupMs + config.windowMs + SETUP_BOUND_MS);
  return new Promise((resolve, reject) => {
    child.on('error', (err) => {
      clearTimeout(bound);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(bound);
      const r = result as NativeBurstResult | null;
      if (code !== 0 || r === null) reject(new Error(`ws-burst (pid ${pid}) ended with ${code ?? signal} before its result: ${stderr.trim()}`));
      else if (r.bad > 0) reject(new Error(`ws-burst: ${r.bad} of ${r.sampled} sampled heartbeat replies did not answer the heartbeat: ${stderr.trim()}`));
      else if (r.errors > 0 || r.closes > 0) reject(new Error(`ws-burst: ${r.errors} error frames, ${r.closes} connections lost: ${stderr.trim()}`));
      else resolve(r);
    });
  });
}
