/**
 * The piscina pool that runs shard tasks. piscina's default balancer is
 * enough: a shard is in at most one task at a time because the main thread
 * lends it (shard-host.ts), whichever worker picks the task up.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import type { Worker } from 'node:worker_threads';
import type { ShardTask, ShardTaskResult } from './shard-task.js';

/**
 * The compiled worker next to this module; when this module runs from
 * src/ (vitest), the one `npm run build` put under dist/src/.
 */
export function shardWorkerFile(): string {
  const beside = fileURLToPath(new URL('./shard-worker.js', import.meta.url));
  if (existsSync(beside)) return beside;
  const built = fileURLToPath(new URL('../../../dist/src/monitor/workers/shard-worker.js', import.meta.url));
  if (existsSync(built)) return built;
  throw new Error(`shard worker not found at ${beside} or ${built}: run 'npm run build'`);
}

export class ShardPool {
  private readonly pool: Piscina<ShardTask, ShardTaskResult>;

  constructor(workers: number) {
    if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be an integer >= 1, got ${workers}`);
    this.pool = new Piscina<ShardTask, ShardTaskResult>({
      // A file: URL makes piscina import() the module rather than require() it:
      // require of ESM crashes Node 20 in a process with module hooks (vitest).
      filename: pathToFileURL(shardWorkerFile()).href,
      minThreads: workers,
      maxThreads: workers,
      idleTimeout: Infinity,
    });
  }

  run(task: ShardTask): Promise<ShardTaskResult> {
    return this.pool.run(task);
  }

  /** The worker threads (tests terminate one to show nothing is lost). */
  get threads(): readonly Worker[] {
    return this.pool.threads;
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}
