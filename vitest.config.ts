import { defineConfig } from 'vitest/config';

/**
 * One config for every test directory (core, node, property, workers,
 * gateway, ...). Test files run in separate child processes (`forks`), so a
 * file's timers, sockets and globals cannot leak into another's; at most two
 * run at once (the machines have 2 cores), which keeps the timing bounds of
 * end-to-end tests meaningful.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    teardownTimeout: 10_000,
  },
});
