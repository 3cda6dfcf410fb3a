import { defineConfig } from 'vitest/config';

/**
 * One config for every test directory. Test files run in separate child
 * processes (`forks`), so a file's timers, sockets and globals cannot leak
 * into another's.
 *
 * Two groups, run one after the other:
 *   - `unit`: everything without real-time bounds (core, node, property,
 *     workers, ...), two files at a time (the machines have 2 cores);
 *   - `timing`: end-to-end tests that assert real-time bounds (the
 *     gateway's pings and expiry within milliseconds), one file at a time
 *     with the machine to themselves, so that a neighbour's CPU load cannot
 *     make them miss a deadline; the browser tests (test/dashboard) too,
 *     as Chromium needs both cores to paint in time;
 *   - `threads`: the gateway end-to-end files whose behaviour I/O threads
 *     can change, run again on `keepwatch serve --threads 2`
 *     (KEEPWATCH_TEST_THREADS, read by test/gateway/helpers/gateway-process.ts;
 *     `timing` sets 1), one file at a time like `timing`.
 */
const TIMING = ['test/gateway/**/*.test.ts', 'test/workers/real-time-*.test.ts', 'test/dashboard/**/*.test.ts', 'test/cluster/**/*.test.ts'];

/**
 * The gateway files re-run on 2 threads (~2 minutes). Left out: cli
 * (flag parsing; its SIGTERM drain on threads is threads.test.ts's),
 * sigstop (stops the whole process, every thread alike), workers (the
 * piscina shards inside one thread), overload/restart-shutdown (port reuse
 * across processes) and threads.test.ts (already on 2 threads).
 * overload/status-bounds and overload/caps show the caps counted over both
 * threads (--max-status-requests, --max-clients, --max-connections-per-ip).
 */
const ON_TWO_THREADS = [
  'test/gateway/protocol.test.ts',
  'test/gateway/expiry.test.ts',
  'test/gateway/ownership.test.ts',
  'test/gateway/ping-mode.test.ts',
  'test/gateway/stall.test.ts',
  'test/gateway/limits.test.ts',
  'test/gateway/http.test.ts',
  'test/gateway/overload/liveness.test.ts',
  'test/gateway/overload/caps.test.ts',
  'test/gateway/overload/expiry-close.test.ts',
  'test/gateway/overload/status-bounds.test.ts',
];

/** A project whose files run one at a time, with the machine to themselves, on gateways of `threads` I/O threads. */
function oneFileAtATime(name: string, include: string[], threads: string, groupOrder: number) {
  return {
    extends: true,
    test: { name, include, maxWorkers: 1, fileParallelism: false, env: { KEEPWATCH_TEST_THREADS: threads }, sequence: { groupOrder } },
  };
}

export default defineConfig({
  test: {
    pool: 'forks',
    // A file that hangs (even in a synchronous loop) is killed and fails.
    setupFiles: ['test/helpers/watchdog.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    teardownTimeout: 10_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: TIMING,
          maxWorkers: 2,
          env: { KEEPWATCH_TEST_THREADS: '1' },
          sequence: { groupOrder: 0 },
        },
      },
      oneFileAtATime('timing', TIMING, '1', 1),
      oneFileAtATime('threads', ON_TWO_THREADS, '2', 2),
    ],
  },
});
