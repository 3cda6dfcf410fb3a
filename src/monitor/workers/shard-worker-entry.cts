/**
 * The file piscina loads in each worker thread: CommonJS on purpose.
 *
 * piscina loads a worker's file with require() first. On Node 20 a
 * require() of an ES module (require(esm), unflagged in 20.19) sometimes
 * aborted the whole process while a worker started (a native
 * node::OnFatalError, about one start in four under vitest's module hooks).
 * A CommonJS file loads the ordinary way, and the ES module that does the
 * work (shard-worker.ts) is loaded by import(), once per thread.
 */
import type { ShardTask, ShardTaskResult } from './shard-task.js' with { 'resolution-mode': 'import' };

type RunShardTask = (task: ShardTask) => ShardTaskResult;

let loaded: Promise<RunShardTask> | undefined;

function runShardTaskInWorker(task: ShardTask): Promise<ShardTaskResult> {
  loaded ??= import('./shard-worker.js').then((module: { default: RunShardTask }) => module.default);
  return loaded.then((run) => run(task));
}

export = runShardTaskInWorker;
