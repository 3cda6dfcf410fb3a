import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { nativeBinary } from './build-native.js';

/** What ws-burst.c is told: closed-loop bursts against one gateway on 127.0.0.1. */
export interface NativeBurstConfig {
  port: number;
  /** Connections that burst. */
  connections: number;
  /** Connections that only register and answer pings, held beside them for the whole session. */
  quiet: number;
  /** Answered heartbeats kept in flight per bursting connection. */
  window: number;
  warmupMs: number;
  windowMs: number;
  timeoutMs: number;
  pingIntervalMs: number;
  /** client_ids are `<prefix>-<i>`: unique per session, so a session never takes over a client another one holds. */
  idPrefix: string;
}

/** ws-burst's result line for one burst (counts since the session started unless said otherwise). */
export interface NativeBurstResult {
  connections: number;
  quiet: number;
  window: number;
  windowMs: number;
  /** Replies counted in the window, and per second. */
  replies: number;
  repliesPerSec: number;
  /** The tool's own CPU seconds (user + system, getrusage) over the window, and since it started. */
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

type Line = { event: 'ready' } | { event: 'window-start' } | ({ event: 'done' } & NativeBurstResult);

/** Setup (every connection upgraded and registered) is bounded in ws-burst at 60 s; this one covers a start on a loaded machine too. */
const READY_BOUND_MS = 90_000;
const BURST_MARGIN_MS = 60_000;

/**
 * One ws-burst process (built on first use) holding its connections open
 * across bursts: `burst()` runs one warm-up and counted window. Every wait
 * is bounded; `stop()` ends its stdin (ws-burst exits on that) and kills it
 * by PID if it lingers.
 */
export class NativeBurst {
  private stderr = '';
  private waiter: { event: Line['event']; resolve: (line: Line) => void } | null = null;
  private onWindowStart: (() => void) | null = null;
  private readonly exited: Promise<void>;
  private ended: string | null = null;

  private constructor(
    readonly config: NativeBurstConfig,
    private readonly child: ChildProcessByStdio<Writable, Readable, Readable>,
  ) {
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => (this.stderr = (this.stderr + s).slice(-4000)));
    createInterface({ input: child.stdout }).on('line', (text) => this.onLine(text));
    this.exited = new Promise((resolve) =>
      child.on('close', (code, signal) => {
        this.ended = `ws-burst (pid ${child.pid}) ended with ${code ?? signal}: ${this.stderr.trim()}`;
        resolve();
      }),
    );
  }

  get pid(): number {
    return this.child.pid as number;
  }

  static async start(config: NativeBurstConfig): Promise<NativeBurst> {
    const args = [
      ['--port', config.port],
      ['--connections', config.connections],
      ['--quiet', config.quiet],
      ['--window', config.window],
      ['--warmup-ms', config.warmupMs],
      ['--window-ms', config.windowMs],
      ['--timeout-ms', config.timeoutMs],
      ['--ping-interval-ms', config.pingIntervalMs],
      ['--id-prefix', config.idPrefix],
      ['--control', 'stdin'],
    ].flatMap(([k, v]) => [String(k), String(v)]);
    const tool = new NativeBurst(config, spawn(nativeBinary('ws-burst'), args, { stdio: ['pipe', 'pipe', 'pipe'] }));
    try {
      await tool.next('ready', READY_BOUND_MS);
    } catch (err) {
      await tool.stop();
      throw err;
    }
    return tool;
  }

  /**
   * One burst. `onWindow` is called as the counted window starts and as its
   * result arrives (a caller's CPU readings of the server). Rejects on bad
   * replies, error frames or lost connections: a throughput figure from a
   * server that answered something else is not a figure.
   */
  async burst(onWindow?: (edge: 'start' | 'end') => void): Promise<NativeBurstResult> {
    this.onWindowStart = () => onWindow?.('start');
    const done = this.next('done', this.config.warmupMs + this.config.windowMs + BURST_MARGIN_MS);
    this.child.stdin.write('burst\n');
    const line = await done;
    onWindow?.('end');
    const r = line as NativeBurstResult;
    if (r.bad > 0) throw new Error(`ws-burst: ${r.bad} of ${r.sampled} sampled heartbeat replies did not answer the heartbeat: ${this.stderr.trim()}`);
    if (r.errors > 0 || r.closes > 0) throw new Error(`ws-burst: ${r.errors} error frames, ${r.closes} connections lost: ${this.stderr.trim()}`);
    return r;
  }

  async stop(): Promise<void> {
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }

  private next(event: Line['event'], boundMs: number): Promise<Line> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(`no '${event}' from ws-burst within ${boundMs} ms: ${this.stderr.trim()}`), boundMs);
      const fail = (why: string): void => {
        clearTimeout(timer);
        this.waiter = null;
        reject(new Error(why));
      };
      this.waiter = {
        event,
        resolve: (line) => {
          clearTimeout(timer);
          this.waiter = null;
          resolve(line);
        },
      };
      void this.exited.then(() => {
        if (this.waiter?.event === event) fail(this.ended ?? 'ws-burst ended');
      });
    });
  }

  private onLine(text: string): void {
    let line: Line;
    try {
      line = JSON.parse(text) as Line;
    } catch {
      this.stderr += `\nstdout: ${text}`;
      return;
    }
    if (line.event === 'window-start') this.onWindowStart?.();
    else if (this.waiter?.event === line.event) this.waiter.resolve(line);
  }
}
