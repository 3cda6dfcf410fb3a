import type { TemplatedApp } from 'uWebSockets.js';
import { HttpReply } from './http-reply.js';
import type { Logger } from './logger.js';

/** The cluster membership's test hook (ClusterNode), when the gateway runs with --redis. */
export interface ClusterTestHooks {
  failLeaseThread(): void;
  ignoreMoves(on: boolean): void;
}

/** The environment switch for test-only routes; no flag turns them on. */
export const TEST_HOOKS_ENV = 'KEEPWATCH_TEST_HOOKS';
/** With the test hooks on and --threads N: each I/O thread holds its claims batch this many ms (threads/claim-relay.ts). */
export const TEST_CLAIMS_DELAY_ENV = 'KEEPWATCH_TEST_CLAIMS_DELAY_MS';

/**
 * How long an I/O thread holds its claims batch (0: to its next loop turn,
 * the product's behaviour). Set only by tests: it makes the window in which
 * two threads both hold a client (a thread preempted right after a
 * registration) wide enough to look into from outside.
 */
export function testClaimsDelayMs(testHooks: boolean, env: NodeJS.ProcessEnv = process.env): number {
  if (!testHooks) return 0;
  const ms = Number(env[TEST_CLAIMS_DELAY_ENV] ?? '0');
  return Number.isInteger(ms) && ms > 0 ? Math.min(ms, 10_000) : 0;
}

/**
 * GET /test/stall?ms=N blocks the event loop for N ms (at most 10 s), the
 * way a long GC pause or a blocking handler would, so the end-to-end tests
 * can show that heartbeats queued during a stall are counted before
 * anything expires. GET /test/throw throws from the event loop (the fault
 * tests of --threads N). With --redis, GET /test/lease-thread-fail makes
 * the cluster's lease thread throw (its restart is the test's subject), and
 * GET /test/ignore-moves?on=1 (0 to undo) drops takeover notices on arrival,
 * as if lost (the seen flush's owner check is the test's subject).
 * Mounted only when KEEPWATCH_TEST_HOOKS=1.
 */
export function addTestHooks(app: TemplatedApp, log: Logger, cluster: ClusterTestHooks | undefined): void {
  app.get('/test/stall', (res, req) => {
    const ms = Math.min(10_000, Math.max(0, Number(req.getQuery('ms') ?? '0') || 0));
    log.warn({ event: 'test_stall', ms });
    const until = performance.now() + ms;
    while (performance.now() < until) {
      // busy: nothing else may run
    }
    new HttpReply(res).send('200 OK', 'application/json', `{"stalled_ms": ${ms}}`);
  });
  // GET /test/throw: an error escapes to the event loop, as a bug would (with --threads N, the thread's failure path).
  app.get('/test/throw', (res) => {
    log.warn({ event: 'test_throw' });
    new HttpReply(res).send('200 OK', 'application/json', '{"throwing": true}');
    setImmediate(() => {
      throw new Error('test hook: an unexpected error');
    });
  });
  if (cluster === undefined) return;
  app.get('/test/lease-thread-fail', (res) => {
    log.warn({ event: 'test_lease_thread_fail' });
    cluster.failLeaseThread();
    new HttpReply(res).send('200 OK', 'application/json', '{"lease_thread": "failing"}');
  });
  app.get('/test/ignore-moves', (res, req) => {
    const on = req.getQuery('on') !== '0';
    log.warn({ event: 'test_ignore_moves', on });
    cluster.ignoreMoves(on);
    new HttpReply(res).send('200 OK', 'application/json', `{"ignoring_moves": ${on}}`);
  });
}
