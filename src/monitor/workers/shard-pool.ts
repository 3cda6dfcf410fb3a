/**
 * The piscina pool that runs shard tasks. piscina's default balancer is
 * enough: a shard is in at most one task at a time because the main thread
 * lends it (shard-host.ts), whichever worker picks the task up.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { ShardTask, ShardTaskResult } from './shard-task.js';

/** The compiled CommonJS entry beside this module (see shard-worker-entry.cts for why CommonJS). */
function defaultWorkerEntry(): string {
  return fileURLToPath(new URL('./shard-worker-entry.cjs', import.meta.url));
}

export class ShardPool {
  private readonly pool: Piscina<ShardTask, ShardTaskResult>;

  /** `entry`: the file each worker loads (a module whose export runs a ShardTask). */
  constructor(workers: number, entry: string = defaultWorkerEntry()) {
    if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be an integer >= 1, got ${workers}`);
    // Checked here: piscina would only report it when the first task fails.
    if (!existsSync(entry)) throw new Error(`shard worker entry not found: ${entry} (run 'npm run build')`);
    this.pool = new Piscina<ShardTask, ShardTaskResult>({
      filename: entry,
      minThreads: workers,
      maxThreads: workers,
      idleTimeout: Infinity,
    });
  }

  run(task: ShardTask): Promise<ShardTaskResult> {
    return this.pool.run(task);
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}
