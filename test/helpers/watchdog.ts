/**
 * Per-file watchdog (vitest `setupFiles`): a test file that is still running
 * after FILE_LIMIT_MS kills its own process, so vitest reports the file as
 * failed instead of waiting forever. `testTimeout` cannot do this for a
 * test that spins synchronously (a hook's timer never fires on a busy main
 * thread), so the clock runs on a separate thread that a busy loop cannot
 * starve. The thread is unref'd: it never keeps a finished file alive.
 */
import { Worker } from 'node:worker_threads';
import { expect } from 'vitest';

const FILE_LIMIT_MS = Number(process.env.KEEPWATCH_TEST_FILE_LIMIT_MS ?? 240_000);

const WATCHDOG_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
let timer;
function arm() {
  clearTimeout(timer);
  timer = setTimeout(() => {
    process.stderr.write('watchdog: test file ' + workerData.file + ' ran past ' + workerData.limitMs + ' ms; killing its process\\n');
    process.kill(process.pid, 'SIGKILL');
  }, workerData.limitMs);
}
parentPort.on('message', (file) => { workerData.file = file; arm(); });
arm();
`;

const KEY = Symbol.for('keepwatch.test.watchdog');
const holder = globalThis as { [KEY]?: Worker };
const file = expect.getState().testPath ?? 'unknown';
if (holder[KEY]) {
  // The same process runs another file: restart the clock for it.
  holder[KEY].postMessage(file);
} else {
  const worker = new Worker(WATCHDOG_SOURCE, { eval: true, workerData: { file, limitMs: FILE_LIMIT_MS } });
  worker.unref();
  holder[KEY] = worker;
}
