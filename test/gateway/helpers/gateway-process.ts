import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import { CLI_PATH } from '../../helpers/run-node.js';

/** One JSON log line of the gateway (pino). */
export type LogLine = { [key: string]: unknown; event?: string; level?: number; at: number };

export interface GatewayProcess {
  readonly pid: number;
  readonly port: number;
  readonly child: ChildProcess;
  /** Every log line so far, with the test's performance.now() at arrival. */
  readonly logs: LogLine[];
  readonly startup: LogLine;
  url(path: string): string;
  wsUrl(): string;
  get(path: string): Promise<{ status: number; text: string; contentType: string | null }>;
  /** Resolves with the first log line (past or future) that matches. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with the exit code and signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** SIGTERM, then SIGKILL (by PID) if it has not exited within the bound. */
  stop(): Promise<void>;
}

export interface StartOptions {
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Resolve on the first log line instead of requiring a native 'listening' line. */
  expectFailure?: boolean;
  /** Bound on the start-up (default 30 s). */
  startupTimeoutMs?: number;
  /** A command that execs the gateway in its own process, e.g. ['prlimit', '--nofile=160:160'] (the PID stays the gateway's). */
  wrap?: string[];
}

/**
 * The environment variable that picks the I/O threads of every gateway a
 * test starts (vitest.config.ts: `unit` and `timing` set 1, `threads`
 * sets 2 to re-run the end-to-end files on two threads; unset or empty:
 * the product's default). A test that sets --threads itself keeps its choice.
 */
export const TEST_THREADS_ENV = 'KEEPWATCH_TEST_THREADS';

/** The serve arguments with the environment's --threads added, unless the test chose its own. */
export function withTestThreads(args: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const threads = env[TEST_THREADS_ENV];
  if (threads === undefined || threads === '' || args.includes('--threads')) return [...args];
  return [...args, '--threads', threads];
}

/** Starts `keepwatch serve --port 0` with the test hooks on and waits for its bound port. */
export async function startGateway(options: StartOptions = {}): Promise<GatewayProcess> {
  const [command, ...wrapArgs] = [...(options.wrap ?? []), process.execPath];
  const child = spawn(command, [...wrapArgs, CLI_PATH, 'serve', '--port', '0', ...withTestThreads(options.args ?? [], { ...process.env, ...options.env })], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KEEPWATCH_TEST_HOOKS: '1', ...options.env },
  });
  const logs: LogLine[] = [];
  const waiters: { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  let buffered = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const text = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      let line: LogLine;
      try {
        line = { ...(JSON.parse(text) as object), at: performance.now() };
      } catch {
        line = { raw: text, at: performance.now() };
      }
      logs.push(line);
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i].match(line)) waiters.splice(i, 1)[0].resolve(line);
      }
    }
  });
  child.stdout?.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> => {
    const seen = logs.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching log line within ${timeoutMs} ms; logs: ${JSON.stringify(logs)}`)), timeoutMs);
      waiters.push({
        match,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  };
  const startup = await Promise.race([
    // Generous: a loaded 2-core machine can take seconds to start Node.
    waitForLog((l) => l.event === 'listening' || l.event === 'refused' || l.event === 'listen_failed' || typeof l.raw === 'string', options.startupTimeoutMs ?? 30_000),
    exited.then(() => waitForLog(() => true, 1000)),
  ]);
  const port = typeof startup.port === 'number' ? startup.port : 0;
  if (!options.expectFailure) {
    if (startup.event !== 'listening') throw new Error(`gateway did not start: ${JSON.stringify(logs)}`);
    // Every end-to-end test runs on the native uWS binary; the JS fallback fails them.
    if (startup.uws !== 'native') throw new Error(`gateway is on uWS '${String(startup.uws)}', not native`);
  }
  const pid = child.pid as number;
  const url = (path: string): string => `http://127.0.0.1:${port}${path}`;
  return {
    pid,
    port,
    child,
    logs,
    startup,
    exited,
    url,
    wsUrl: () => `ws://127.0.0.1:${port}/ws`,
    waitForLog,
    async get(path) {
      const res = await fetch(url(path), { signal: AbortSignal.timeout(15_000) });
      return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) {
        if (options.expectFailure) return;
        // No test input may crash the gateway: an early exit fails the test file.
        throw new Error(`the gateway exited before stop (${child.exitCode ?? child.signalCode}); logs: ${JSON.stringify(logs.slice(-20))}`);
      }
      process.kill(pid, 'SIGTERM');
      const timer = setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL');
      }, 5000);
      const exit = await exited;
      clearTimeout(timer);
      if (exit.code !== 0) throw new Error(`the gateway exited ${exit.code ?? exit.signal} on SIGTERM; logs: ${JSON.stringify(logs.slice(-20))}`);
    },
  };
}

/** A counter or gauge sample from Prometheus text, e.g. metric(text, 'keepwatch_expiries_total{action="closed"}'). */
export function metric(text: string, series: string): number {
  for (const line of text.split('\n')) {
    if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1));
  }
  return 0;
}

/**
 * One gateway for a describe block: started before its tests, stopped
 * after. The returned object forwards to the running gateway.
 */
export function useGateway(options: StartOptions = {}): GatewayProcess {
  let current: GatewayProcess | undefined;
  beforeAll(async () => {
    current = await startGateway(options);
  });
  afterAll(async () => {
    await current?.stop();
  });
  return new Proxy({} as GatewayProcess, {
    get(_, key) {
      if (current === undefined) throw new Error('the gateway is not started yet');
      return Reflect.get(current, key) as unknown;
    },
  });
}
