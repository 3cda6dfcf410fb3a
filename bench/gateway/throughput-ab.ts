import { median, progress } from '../lib/index.js';
import { LoadRun } from '../../scripts/load/load-run.js';
import type { BenchSettings } from './bench-settings.js';
import { ServerProcess } from './server-process.js';
import type { ServerKind } from './server-kinds.js';

export interface InterleavedThroughput {
  servers: [string, string];
  connections: number;
  /** Replies per second of each server, window by window, alternating A, B, A, B, ... */
  samples: Array<[number, number]>;
  medians: [number, number];
  /** Median of the per-round ratios B / A: each round's two windows are seconds apart, so drifting background load cancels out. */
  medianRatio: number;
}

/**
 * Heartbeat throughput of two servers up at the same time, measured in
 * alternating windows. The machine is shared: a sequence of whole runs
 * compares different moments; alternating windows compare the same ones.
 */
export async function interleavedThroughput(a: ServerKind, b: ServerKind, s: BenchSettings, connections: number, rounds: number, basePort: number): Promise<InterleavedThroughput> {
  const servers = [await ServerProcess.start(a.name, basePort, a.args(basePort, s)), await ServerProcess.start(b.name, basePort + 1, b.args(basePort + 1, s))];
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
    for (let r = 0; r < rounds; r++) {
      const ta = await runs[0].throughput(s.burstConnections, s.burstWindow, s.burstWarmupMs, s.burstMs);
      const tb = await runs[1].throughput(s.burstConnections, s.burstWindow, s.burstWarmupMs, s.burstMs);
      samples.push([ta.repliesPerSec, tb.repliesPerSec]);
      progress(`interleaved throughput round ${r + 1}: ${a.name} ${Math.round(ta.repliesPerSec)}, ${b.name} ${Math.round(tb.repliesPerSec)} msg/s`);
    }
    return {
      servers: [a.name, b.name],
      connections,
      samples,
      medians: [median(samples.map((x) => x[0])), median(samples.map((x) => x[1]))],
      medianRatio: median(samples.map(([x, y]) => y / x)),
    };
  } finally {
    for (const run of runs) run.stop();
    for (const server of servers) await server.stop();
  }
}
