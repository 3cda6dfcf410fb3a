import os from 'node:os';
import { median, progress } from '../lib/index.js';
import { LoadRun } from '../../scripts/load/load-run.js';
import type { BenchSettings } from './bench-settings.js';
import { startServerKind } from './measure-server.js';
import type { ServerKind } from './server-kinds.js';
import { loadToolFor, startNativeBurst, throughputWindow, type LoadTool, type WindowDriver } from './throughput-window.js';

export interface InterleavedThroughput {
  servers: [string, string];
  /** Connections each server holds, `burstConnections` of them bursting (all ws-burst's with the native tool, all the JS children's with js). */
  connections: number;
  burstConnections: number;
  /** What drove the windows of each server (throughput-window.ts). */
  loadTools: [LoadTool, LoadTool];
  /** Replies per second of each server, window by window, alternating A, B, A, B, ... */
  samples: Array<[number, number]>;
  medians: [number, number];
  /** Median of the per-round ratios B / A: each round's two windows are seconds apart, so drifting background load cancels out. */
  medianRatio: number;
  /** Each server's CPU seconds (every thread) per million heartbeats, window by window, and the medians. */
  cpuPerMillion: Array<[number, number]>;
  cpuPerMillionMedians: [number, number];
  /** The load tool's CPU (the native burst tool if used, and all JS children of both runs), % of one core, median over all windows. */
  loadToolCpuPct: number;
  /** The load tool's CPU seconds per million heartbeats answered, window by window, and the medians: what it costs beside each server. */
  loadToolCpuPerMillion: Array<[number, number]>;
  loadToolCpuPerMillionMedians: [number, number];
  /** Each window's busiest server threads, % of a core each (for 2 threads: the two I/O threads first). */
  threadCpuPct: Array<[number[], number[]]>;
  /** The machine's 1-minute load average after each round (it is shared). */
  loadAverages: number[];
}

/**
 * Heartbeat throughput of two servers up at the same time, measured in
 * alternating windows. The machine is shared: a sequence of whole runs
 * compares different moments; alternating windows compare the same ones.
 */
export async function interleavedThroughput(a: ServerKind, b: ServerKind, s: BenchSettings, connections: number, rounds: number, tool: LoadTool): Promise<InterleavedThroughput> {
  const tools: [LoadTool, LoadTool] = [loadToolFor(a, tool), loadToolFor(b, tool)];
  const servers = [await startServerKind(a, s), await startServerKind(b, s)];
  const drivers: WindowDriver[] = [];
  try {
    for (const [i, server] of servers.entries()) {
      if (tools[i] === 'native') {
        // ws-burst holds every connection: the bursting ones and the quiet rest.
        drivers.push({ tool: 'native', burst: await startNativeBurst(server.port, Math.max(0, connections - s.burstConnections), s) });
        continue;
      }
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
      drivers.push({ tool: 'js', run });
      const c = await run.connect();
      if (c.failed > 0) throw new Error(`${[a, b][i].name}: ${c.failed} connections failed: ${c.firstError}`);
    }
    const samples: Array<[number, number]> = [];
    const cpuPerMillion: Array<[number, number]> = [];
    const toolPerMillion: Array<[number, number]> = [];
    const threadCpuPct: Array<[number[], number[]]> = [];
    const loadAverages: number[] = [];
    const loadCpu: number[] = [];
    // Every load process of both servers: the one not bursting still answers its quiet clients' pings meanwhile.
    const loadPids = drivers.flatMap((d) => (d.tool === 'native' ? [d.burst.pid] : d.run.children.map((c) => c.pid)));
    const window = async (i: 0 | 1): Promise<{ rate: number; server: number; tool: number; threads: number[] }> => {
      const w = await throughputWindow(drivers[i], servers[i].pid, loadPids, s);
      loadCpu.push(w.toolCpuPct);
      return { rate: w.repliesPerSec, server: w.serverCpuPerMillion, tool: w.toolCpuPerMillion, threads: w.threadPcts };
    };
    const pct = (threads: number[]): string => threads.map((v) => v.toFixed(0)).join('+');
    for (let r = 0; r < rounds; r++) {
      const wa = await window(0);
      const wb = await window(1);
      samples.push([wa.rate, wb.rate]);
      cpuPerMillion.push([wa.server, wb.server]);
      toolPerMillion.push([wa.tool, wb.tool]);
      threadCpuPct.push([wa.threads, wb.threads]);
      loadAverages.push(os.loadavg()[0]);
      progress(
        `interleaved throughput round ${r + 1}: ${a.name} ${Math.round(wa.rate)}, ${b.name} ${Math.round(wb.rate)} msg/s; ` +
          `server CPU ${wa.server.toFixed(2)} / ${wb.server.toFixed(2)} s per million (threads ${pct(wa.threads)} / ${pct(wb.threads)} %); ` +
          `load tool (${tools.join(' / ')}) ${wa.tool.toFixed(2)} / ${wb.tool.toFixed(2)} s per million; load ${loadAverages[r].toFixed(1)}`,
      );
    }
    return {
      servers: [a.name, b.name],
      connections,
      burstConnections: s.burstConnections,
      loadTools: tools,
      samples,
      medians: [median(samples.map((x) => x[0])), median(samples.map((x) => x[1]))],
      medianRatio: median(samples.map(([x, y]) => y / x)),
      cpuPerMillion,
      cpuPerMillionMedians: [median(cpuPerMillion.map((x) => x[0])), median(cpuPerMillion.map((x) => x[1]))],
      loadToolCpuPct: median(loadCpu),
      loadToolCpuPerMillion: toolPerMillion,
      loadToolCpuPerMillionMedians: [median(toolPerMillion.map((x) => x[0])), median(toolPerMillion.map((x) => x[1]))],
      threadCpuPct,
      loadAverages,
    };
  } finally {
    for (const d of drivers) {
      if (d.tool === 'native') await d.burst.stop();
      else d.run.stop();
    }
    for (const server of servers) await server.stop();
  }
}
