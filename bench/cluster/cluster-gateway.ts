import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** One gateway process of the bench (killed by PID on any exit of the bench). */
export class ClusterGateway {
  private static readonly all = new Set<ClusterGateway>();
  static killAll(): void {
    for (const g of ClusterGateway.all) g.child.kill('SIGKILL');
  }

  private constructor(
    readonly nodeId: string,
    readonly child: ChildProcess,
    readonly port: number,
  ) {}

  /** Starts one; its log (JSON lines) goes to `logPath` for reading after the run. */
  static start(nodeId: string, redisArgs: string[], logPath: string): Promise<ClusterGateway> {
    // --threads 1: the cluster figures are for single-loop gateways (three on a 2-core machine).
    const child = spawn(process.execPath, ['--max-semi-space-size=1', CLI, 'serve', '--port', '0', '--threads', '1', '--node-id', nodeId, ...redisArgs], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return new Promise((resolve, reject) => {
      let buffered = '';
      const timer = setTimeout(() => reject(new Error(`${nodeId} did not start in 60 s: ${buffered.slice(-2000)}`)), 60_000);
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => {
        buffered += chunk;
        const m = /"event":"listening".*?"port":(\d+)/.exec(buffered);
        if (m !== null) {
          clearTimeout(timer);
          child.stderr?.removeAllListeners('data');
          const log = createWriteStream(logPath);
          log.write(buffered);
          child.stderr?.pipe(log);
          const gw = new ClusterGateway(nodeId, child, Number(m[1]));
          ClusterGateway.all.add(gw);
          child.on('exit', () => ClusterGateway.all.delete(gw));
          resolve(gw);
        }
      });
      child.on('exit', (code) => reject(new Error(`${nodeId} exited ${code}: ${buffered.slice(-2000)}`)));
    });
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  async get(path: string): Promise<string> {
    return (await fetch(`http://127.0.0.1:${this.port}${path}`, { signal: AbortSignal.timeout(30_000) })).text();
  }

  async incarnation(): Promise<string> {
    return (JSON.parse(await this.get('/cluster')) as { self: string }).self;
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}
