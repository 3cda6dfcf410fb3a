import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;

process.on('exit', () => ServerProcess.killAll());

/**
 * A server under test, started as its own process so its RSS and CPU can be
 * read from /proc without the load tool's share. Ready when its port accepts
 * a TCP connection; stopped by its PID (SIGTERM, then SIGKILL after a grace).
 */
export class ServerProcess {
  private static readonly running = new Set<ServerProcess>();

  /** SIGKILLs every server still running; for the benchmark's own exit, whatever ends it. */
  static killAll(): void {
    for (const s of ServerProcess.running) s.child.kill('SIGKILL');
  }

  private readonly child: ChildProcess;
  private exited = false;
  private stderrTail = '';

  private constructor(
    readonly name: string,
    readonly port: number,
    args: readonly string[],
    wrap: readonly string[],
  ) {
    const [command, ...wrapArgs] = [...wrap, process.execPath];
    this.child = spawn(command, [...wrapArgs, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-4000);
    });
    ServerProcess.running.add(this);
    this.child.on('exit', () => {
      ServerProcess.running.delete(this);
      this.exited = true;
    });
  }

  /** `wrap`: a command that execs Node in the same process, e.g. ['prlimit', '--nofile=256:256']. */
  static async start(name: string, port: number, args: readonly string[], wrap: readonly string[] = []): Promise<ServerProcess> {
    const server = new ServerProcess(name, port, args, wrap);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await accepts(port))) {
      if (server.exited) throw new Error(`${name} exited before listening: ${server.stderrTail}`);
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`${name} did not listen on ${port} within ${READY_TIMEOUT_MS} ms`);
      }
      await sleep(100);
    }
    return server;
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.name} has no pid`);
    return this.child.pid;
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** The last lines the server wrote to stderr (its logs), for the report when something went wrong. */
  get logTail(): string {
    return this.stderrTail;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const deadline = Date.now() + STOP_GRACE_MS;
    while (!this.exited && Date.now() < deadline) await sleep(50);
    if (!this.exited) this.child.kill('SIGKILL');
    while (!this.exited) await sleep(20);
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
