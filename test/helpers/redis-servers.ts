import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Real redis-server processes for tests and benchmarks: a standalone
 * server or a 3-master Redis Cluster, on free loopback ports, each in its
 * own temp dir, stopped (by PID) and deleted by `stop()`. Needs Debian's
 * `redis-server` and `redis-cli` on PATH (.ci/run installs them).
 */

export interface RedisServer {
  readonly port: number;
  readonly pid: number;
  readonly dir: string;
  /** `redis-cli -p port args...`, synchronous; stdout trimmed. Throws on a non-zero exit. */
  cli(...args: string[]): string;
  /** SIGKILL (by PID) and wait for the exit; the temp dir stays for a restart. */
  kill(): Promise<void>;
  /** Starts it again on the same port and dir (a killed cluster master rejoins from its nodes.conf). */
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT the process. */
  signal(sig: 'SIGSTOP' | 'SIGCONT'): void;
  stop(): Promise<void>;
}

export interface RedisCluster {
  readonly masters: RedisServer[];
  /** "127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3", as `--redis-cluster` takes it. */
  readonly seeds: string;
  /** The master serving a key's slot now. */
  masterOf(key: string): RedisServer;
  /** Resolves once every master reports cluster_state:ok. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 15_000;

/** A standalone redis-server on a free port; no persistence. */
export async function startRedis(extraArgs: string[] = []): Promise<RedisServer> {
  const port = await freePort();
  return launch(port, mkdtempSync(join(tmpdir(), 'keepwatch-redis-')), extraArgs);
}

/**
 * A Redis Cluster of three masters (no replicas) on free ports, slots
 * spread by `redis-cli --cluster create`. Each master keeps an append-only
 * file in its dir, so a killed and restarted master comes back with its data.
 */
export async function startRedisCluster(): Promise<RedisCluster> {
  const masters: RedisServer[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      // The cluster bus listens on port + 10000: both must be free.
      const port = await freePort((p) => p + 10000 <= 65535);
      const dir = mkdtempSync(join(tmpdir(), 'keepwatch-redis-cluster-'));
      masters.push(
        await launch(port, dir, [
          '--cluster-enabled', 'yes',
          '--cluster-config-file', 'nodes.conf',
          '--cluster-node-timeout', '2000',
          // A master down must not stop the others' slots from serving.
          '--cluster-require-full-coverage', 'no',
          '--appendonly', 'yes',
        ]),
      );
    }
    const seeds = masters.map((m) => `127.0.0.1:${m.port}`);
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...seeds, '--cluster-replicas', '0', '--cluster-yes'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    const cluster: RedisCluster = {
      masters,
      seeds: seeds.join(','),
      masterOf(key) {
        const slot = Number(masters[0].cli('cluster', 'keyslot', key));
        // CLUSTER NODES: "<id> <ip:port@bus> <flags> ... <slot ranges>"
        for (const line of masters[0].cli('cluster', 'nodes').split('\n')) {
          const fields = line.split(' ');
          const port = Number(fields[1].split('@')[0].split(':')[1]);
          for (const range of fields.slice(8)) {
            const [lo, hi] = range.split('-').map(Number);
            if (slot >= lo && slot <= (hi ?? lo)) {
              const owner = masters.find((m) => m.port === port);
              if (owner !== undefined) return owner;
            }
          }
        }
        throw new Error(`no master serves slot ${slot}`);
      },
      async waitHealthy(timeoutMs = READY_TIMEOUT_MS) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const ok = masters.every((m) => {
            try {
              return m.cli('cluster', 'info').includes('cluster_state:ok');
            } catch {
              return false;
            }
          });
          if (ok) return;
          if (Date.now() > deadline) throw new Error('redis cluster not healthy in time');
          await sleep(100);
        }
      },
      async stop() {
        await Promise.all(masters.map((m) => m.stop()));
      },
    };
    await cluster.waitHealthy();
    return cluster;
  } catch (error) {
    await Promise.all(masters.map((m) => m.stop()));
    throw error;
  }
}

async function launch(port: number, dir: string, extraArgs: string[]): Promise<RedisServer> {
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--save', '',
    '--daemonize', 'no',
    '--logfile', join(dir, 'redis.log'),
    ...extraArgs,
  ];
  let child: ChildProcess = await spawnReady(args, port);
  const cli = (...cmd: string[]): string => {
    const r = spawnSync('redis-cli', ['-p', String(port), ...cmd], { encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0) throw new Error(`redis-cli ${cmd.join(' ')}: ${r.stderr || r.stdout}`);
    return r.stdout.trim();
  };
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(child.pid as number, 'SIGCONT');
    process.kill(child.pid as number, 'SIGKILL');
    await exited;
  };
  return {
    port,
    get pid() {
      return child.pid as number;
    },
    dir,
    cli,
    kill,
    async restart() {
      await kill();
      child = await spawnReady(args, port);
    },
    signal(sig) {
      process.kill(child.pid as number, sig);
    },
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Spawns redis-server and resolves once it answers PING (a stuck start is killed and reported). */
async function spawnReady(args: string[], port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const failed = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server on ${port} exited ${code} at start`)));
  });
  failed.catch(() => undefined);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const r = spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8', timeout: 5000 });
    if (r.stdout.trim() === 'PONG') return child;
    if (child.exitCode !== null) await failed;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server on ${port} did not answer PING in time`);
    }
    await Promise.race([sleep(50), failed]);
  }
}

/** A port the kernel says is free now (bound and released), satisfying `ok`. */
async function freePort(ok: (port: number) => boolean = () => true): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
      });
    });
    if (ok(port) && (await isFree(port + 10000))) return port;
  }
}

function isFree(port: number): Promise<boolean> {
  if (port > 65535) return Promise.resolve(false);
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
