import { median, progress } from '../lib/index.js';
import { LoadRun } from '../../scripts/load/load-run.js';
import type { BenchSettings } from './bench-settings.js';
import { startServerKind, WindowCpu } from './measure-server.js';
import type { ServerKind } from './server-kinds.js';

export interface InterleavedThroughput {
  servers: [string, string];
  connections: number;
  /** Replies per second of each server, window by window, alternating A, B, A, B, ... */
  samples: Array<[number, number]>;
  medians: [number, number];
  /** Median of the per-round ratios B / A: each round's two windows are seconds apart, so drifting background load cancels out. */
  medianRatio: number;
  /** Each server's CPU seconds (every thread) per million heartbeats, window by window, and the medians. */
  cpuPerMillion: Array<[number, number]>;
  cpuPerMillionMedians: [number, number];
  /** The load tool's CPU (all children of both runs), % of one core, median over all windows. */
  loadToolCpuPct: number;
}

/**
 * Heartbeat throughput of two servers up at the same time, measured in
 * alternating windows. The machine is shared: a sequence of whole runs
 * compares different moments; alternating windows compare the same ones.
 */
export async function interleavedThroughput(a: ServerKind, b: ServerKind, s: BenchSettings, connections: number, rounds: number): Promise<InterleavedThroughput> {
  const servers = [await startServerKind(a, s), await startServerKind(b, s)];
  const runs: LoadRun[] = [];
  try {
    for (const [i, server] of servers.entries()) {
      const run = await LoadRun.start({
        url: `ws://127.0.0.1:${server.port}/ws`,
        connections,
        muxConnections: 0,
        idsPerMux: 2,
        silenceFraction: 0,
        maxConnectionsPerChild: s.maxPerChild,
        timeoutMs: s.timeoutMs,
        pingIntervalMs: s.pingIntervalMs,
        heartbeatIntervalMs: 0,
        connectConcurrency: 50,
      });
      runs.push(run);
      const c = await run.connect();
      if (c.failed > 0) throw new Error(`${[a, b][i].name}: ${c.failed} connections failed: ${c.firstError}`);
    }
    const samples: Array<[number, number]> = [];
    const cpuPerMillion: Array<[number, number]> = [];
    const loadCpu: number[] = [];
    const loadPids = runs.flatMap((run) => run.children.map((c) => c.pid));
    const window = async (i: 0 | 1): Promise<[number, number]> => {
      const cpu = new WindowCpu(servers[i].pid, loadPids);
      const t = await runs[i].throughput(s.burstConnections, s.burstWindow, s.burstWarmupMs, s.burstMs, cpu.edge);
      loadCpu.push(cpu.loadPct());
      return [t.repliesPerSec, (cpu.serverSeconds() / ((t.repliesPerSec * t.windowMs) / 1000)) * 1e6];
    };
    for (let r = 0; r < rounds; r++) {
      const [ra, ca] = await window(0);
      const [rb, cb] = await window(1);
      samples.push([ra, rb]);
      cpuPerMillion.push([ca, cb]);
      progress(`interleaved throughput round ${r + 1}: ${a.name} ${Math.round(ra)}, ${b.name} ${Math.round(rb)} msg/s; CPU ${ca.toFixed(2)} / ${cb.toFixed(2)} s per million`);
    }
    return {
      servers: [a.name, b.name],
      connections,
      samples,
      medians: [median(samples.map((x) => x[0])), median(samples.map((x) => x[1]))],
      medianRatio: median(samples.map(([x, y]) => y / x)),
      cpuPerMillion,
      cpuPerMillionMedians: [median(cpuPerMillion.map((x) => x[0])), median(cpuPerMillion.map((x) => x[1]))],
      loadToolCpuPct: median(loadCpu),
    };
  } finally {
    for (const run of runs) run.stop();
    for (const server of servers) await server.stop();
  }
}
