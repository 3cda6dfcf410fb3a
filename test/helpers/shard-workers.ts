/**
 * Where tests find the shard worker entries. Tests run the TypeScript
 * sources, but worker threads load compiled JavaScript: the entry that
 * `npm run build` put under dist/, or a test's own fixture entry (which
 * loads the compiled worker module from dist/ too).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function existing(url: URL): string {
  const path = fileURLToPath(url);
  if (!existsSync(path)) throw new Error(`${path} not found: run 'npm run build' before the tests`);
  return path;
}

/** The production entry, compiled. */
export const builtShardWorkerEntry = existing(new URL('../../dist/src/monitor/workers/shard-worker-entry.cjs', import.meta.url));

/**
 * A fault-injecting entry: a task carrying `dieAfterExpiries: n` (added by a
 * test's task runner) exits its worker thread after releasing n expired
 * clients, in the middle of its sweep; any other task runs normally.
 */
export const dyingShardWorkerEntry = existing(new URL('../workers/fixtures/dying-shard-worker.cjs', import.meta.url));
