import { fileURLToPath } from 'node:url';
import { LoadRun, type LoadConfig } from '../../scripts/load/load-run.js';
import { ServerProcess } from '../gateway/server-process.js';
import { freePort } from '../lib/index.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** `keepwatch serve` as `npm start` runs it on `threads` I/O threads, in its own process (its CPU read from /proc). */
export async function startBenchGateway(name: string, threads: number): Promise<ServerProcess> {
  const port = await freePort();
  return ServerProcess.start(name, port, ['--max-semi-space-size=1', CLI, 'serve', '--port', String(port), '--log-level', 'warn', '--threads', String(threads)]);
}

/** GET a JSON body from the gateway (loopback, bounded). */
export async function getJson<T>(port: number, path: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** Opens the load tool's connections and registers its clients; resolves once /healthz counts them all. */
export async function loadClients(port: number, shape: Omit<LoadConfig, 'url' | 'maxConnectionsPerChild' | 'connectConcurrency' | 'silenceFraction'>): Promise<LoadRun> {
  const run = await LoadRun.start({ ...shape, url: `ws://127.0.0.1:${port}/ws`, silenceFraction: 0, maxConnectionsPerChild: 2500, connectConcurrency: 50 });
  try {
    await run.connect();
    const want = shape.connections - shape.muxConnections + shape.muxConnections * shape.idsPerMux;
    const deadline = Date.now() + 120_000;
    for (;;) {
      const health = await getJson<{ clients: number }>(port, '/healthz');
      if (health.clients >= want) break;
      if (Date.now() > deadline) throw new Error(`only ${health.clients} of ${want} clients registered`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return run;
  } catch (error) {
    run.stop();
    throw error;
  }
}
