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
 *     as Chromium needs both cores to paint in time.
 */
const TIMING = ['test/gateway/**/*.test.ts', 'test/workers/real-time-*.test.ts', 'test/dashboard/**/*.test.ts', 'test/cluster/**/*.test.ts'];

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
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'timing',
          include: TIMING,
          maxWorkers: 1,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
