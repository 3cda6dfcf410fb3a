import type { ShardHost } from './shard-host.js';
import { ShardPool } from './shard-pool.js';
import type { ShardTask, ShardTaskKind, ShardTaskOptions, ShardTaskResult } from './shard-task.js';
import { runShardTask } from './shard-worker.js';

/** Runs of a task on the pool before it runs on the main thread instead (each after a repair). */
const MAX_ATTEMPTS = 3;

/**
 * How a task reaches the pool: the seam a test owns to make tasks fail
 * (test/workers). `runOnPool` is the default path; a runner may call it,
 * throw instead, or both.
 */
export type ShardTaskRunner = (task: ShardTask, runOnPool: (task: ShardTask) => Promise<ShardTaskResult>) => Promise<ShardTaskResult>;

/**
 * Runs shard tasks on the pool, and survives their failures. A task that
 * fails (its worker died, or it threw) leaves the shard half swept: the
 * shard is repaired from the slot fields a sweep never writes and the
 * owner's index (shard-repair.ts) and the task runs again, on the
 * replacement worker; the expiries of the lost run are found again, since
 * they are still due. After MAX_ATTEMPTS it runs on the main thread (the
 * same code over the same buffers), with a process warning: a shard's
 * findings are never dropped.
 */
export class RepairingRunner {
  private readonly runOnPool: (task: ShardTask) => Promise<ShardTaskResult>;

  constructor(
    private readonly pool: ShardPool,
    private readonly shardOptions: ShardTaskOptions,
    seam: ShardTaskRunner | undefined,
  ) {
    this.runOnPool = seam ? (task) => seam(task, (t) => pool.run(t)) : (task) => pool.run(task);
  }

  async run(host: ShardHost, kind: ShardTaskKind, now: number, sweep: boolean): Promise<ShardTaskResult> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      try {
        return await this.runOnPool(this.task(host, kind, now, sweep));
      } catch (error) {
        lastError = error;
        host.repair();
      }
    }
    process.emitWarning(
      `keepwatch: shard ${host.index}'s ${kind} task failed ${MAX_ATTEMPTS} times on the worker pool ` +
        `(${(lastError as Error)?.message ?? String(lastError)}); it ran on the main thread`,
    );
    return runShardTask(this.task(host, kind, now, sweep));
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private task(host: ShardHost, kind: ShardTaskKind, now: number, sweep: boolean): ShardTask {
    return { kind, sweep, shard: host.index, now, ...this.shardOptions, buffers: host.shard.buffers() };
  }
}
