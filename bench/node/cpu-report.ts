/**
 * Preloaded (`node --import`) into each process the throughput bench runs:
 * at exit, writes the process's own CPU time (user + system, µs) to the file
 * named by KEEPWATCH_BENCH_CPU_FILE. On a shared machine CPU time is a
 * steadier measure than wall time, which counts the time other processes
 * held the cores.
 */
import { writeFileSync } from 'node:fs';

const target = process.env.KEEPWATCH_BENCH_CPU_FILE;
if (target) {
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    writeFileSync(target, JSON.stringify({ user, system }));
  });
}
