import net from 'node:net';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { ServerProcess } from '../gateway/server-process.js';
import { benchFlags, freePort } from '../lib/index.js';

/** Shared pieces of the overload benches: a gateway process, bulk clients, a flood, percentiles. */

export const CLI_PATH = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export async function startServe(name: string, extraArgs: readonly string[], wrap: readonly string[] = []): Promise<{ server: ServerProcess; port: number }> {
  const port = await freePort();
  // --threads 1: the README's overload figures are the single loop's (a bench's own --threads, later, wins).
  const server = await ServerProcess.start(name, port, [CLI_PATH, 'serve', '--port', String(port), '--log-level', 'warn', '--threads', '1', ...extraArgs], wrap);
  return { server, port };
}

export function openWs(port: number): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { autoPong: true });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Registers `count` clients on one connection (fire and forget), then waits for a ka_check reply. */
export async function registerBulk(port: number, count: number, prefix: string, timeoutMs: number): Promise<WebSocket> {
  const ws = await openWs(port);
  for (let i = 0; i < count; i++) {
    ws.send(`{"type": "ka_register", "client_id": "${prefix}-${i}", "timeout_ms": ${timeoutMs}, "ping_interval_ms": ${timeoutMs}}`);
  }
  await new Promise<void>((resolve) => {
    ws.on('message', (data) => {
      if (String(data).includes('"in_reply_to": 424242')) resolve();
    });
    ws.send('{"type": "ka_status", "msg_id": 424242}');
  });
  return ws;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Flags of the form --name value, with defaults (benchFlags: one-line error and usage, exit 2, on a bad one). */
export function flags(command: string, defaults: Record<string, string>): Record<string, string> {
  const options = Object.fromEntries(Object.entries(defaults).map(([name, value]) => [name, { type: 'string' as const, default: value }]));
  return { ...defaults, ...(benchFlags(command, options) as Record<string, string>) };
}

/** Runs a bench's main: exits 0 when it is done, 1 with the error on stderr (the server is stopped by its own finally). */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
}

/**
 * Sequential GETs on one kept-alive loopback socket, timed from the write
 * to the last body byte: the server's round trip without an HTTP client
 * library's own cost (fetch adds ~0.7-1 ms per request here, more than a
 * small route costs the server).
 */
export class KeepAliveGet {
  private received = '';
  private waiter: (() => void) | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.received += chunk;
      if (this.waiter !== undefined && this.complete()) {
        const done = this.waiter;
        this.waiter = undefined;
        this.received = '';
        done();
      }
    });
  }

  static open(port: number): Promise<KeepAliveGet> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(new KeepAliveGet(socket)));
      socket.once('error', reject);
    });
  }

  /** Milliseconds from sending GET `path` to having its whole (content-length) response. */
  time(path: string): Promise<number> {
    const started = performance.now();
    return new Promise((resolve) => {
      this.waiter = () => resolve(performance.now() - started);
      this.socket.write(`GET ${path} HTTP/1.1\r\nHost: bench\r\n\r\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private complete(): boolean {
    const headEnd = this.received.indexOf('\r\n\r\n');
    const length = /content-length: (\d+)/i.exec(this.received.slice(0, headEnd));
    return headEnd >= 0 && length !== null && this.received.length >= headEnd + 4 + Number(length[1]);
  }
}
