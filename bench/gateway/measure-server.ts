import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, median, progress } from '../lib/index.js';
import { LoadRun, type LossSummary, type ThroughputResult } from '../../scripts/load/load-run.js';
import type { DetectionResult } from '../../scripts/load/detection.js';
import type { BenchSettings } from './bench-settings.js';
import { readCpuSeconds, readRssBytes } from './proc-stats.js';
import { ServerProcess } from './server-process.js';
import { fetchServerFigures, type ServerSideFigures } from './server-metrics.js';
import { wsUrl, type ServerKind } from './server-kinds.js';
import { loadToolFor, startNativeBurst, throughputWindow, type LoadTool, type WindowDriver } from './throughput-window.js';

/** The load shape of one measurement: connections, multiplexing, and which phases run. */
export interface LoadPlan {
  label: string;
  connections: number;
  muxConnections: number;
  idsPerMux: number;
  idleCpu: boolean;
  throughput: boolean;
  detection: boolean;
  /** Heartbeat period during the RSS and idle phases (0 = quiet: clients only answer pings). */
  steadyHeartbeatMs: number;
  /** Heartbeat period while the victims are silenced. */
  detectionHeartbeatMs: number;
  timeoutMs: number;
  pingIntervalMs: number;
  /** What drives the throughput windows (throughput-window.ts). */
  loadTool: LoadTool;
}

export interface ServerMeasurement {
  server: string;
  scenario: string;
  description: string;
  connections: number;
  clients: number;
  connect: { opened: number; failed: number; registered: number; ms: number; firstError: string | null };
  rssBeforeBytes: number;
  rssAfterBytes: number;
  rssPerConnectionBytes: number;
  /**
   * RSS per connection between the first third of the connections and all
   * of them (both readings settled): the slope leaves out one-time changes
   * that do not depend on the connections (with several threads, 4
   * isolates' heaps shrinking after start-up took the whole-run delta below
   * any connection's cost: 171 B, or negative). null: one child only.
   */
  rssMarginalPerConnectionBytes: number | null;
  rssPerClientBytes: number;
  idleCpuPct: number | null;
  idleCpuSamples: number[];
  /** WebSocket ping frames and ka_ping messages the clients received per second while quiet. */
  wsPingsPerSec: number | null;
  kaPingsPerSec: number | null;
  throughputPerSec: number | null;
  throughputSamples: ThroughputResult[];
  /** Server CPU seconds (every thread) per million heartbeats answered, median over the throughput windows. */
  cpuSecondsPerMillionHeartbeats: number | null;
  /** The server's busiest threads' CPU over a throughput window, % of one core each, busiest first (threads are unnamed: for keepwatch --threads N, the I/O threads). */
  threadCpuPct: number[] | null;
  /** The load tool that drove the throughput windows, null without them. */
  loadTool: LoadTool | null;
  /** The load tool's CPU (the native burst tool if used, and all JS children) over the throughput windows, % of one core, median. */
  loadToolCpuPct: number | null;
  /** The same, seconds per million heartbeats answered, median. */
  loadToolCpuPerMillion: number | null;
  /** All rounds pooled. */
  detection: DetectionResult | null;
  /** Each round (its own victim group, silenced seconds after the previous one's expiries). */
  detectionRounds: DetectionResult[];
  /** Median over the rounds of each round's p99 delay, ms. */
  detectionP99MedianMs: number | null;
  losses: LossSummary | null;
  /** keepwatch's own /metrics after the detection phase. */
  serverSide: ServerSideFigures | null;
  /** 1-minute load average of the machine when the measurement ended (it is shared). */
  loadAverage: number;
  serverSurvived: boolean;
}

/** How long the RSS baseline waits for a server that is still growing after start (at most). */
const SETTLE_RSS_MAX_MS = 15_000;
/** Growth under this over a second counts as settled. */
const SETTLED_RSS_BYTES = 1024 * 1024;

/**
 * Waits until the server's RSS has stopped growing (at most SETTLE_RSS_MAX_MS):
 * keepwatch on I/O threads loads a warm spare thread (~40 MB) after it
 * listens, which would otherwise land between the baseline and the
 * after-connect reading and make RSS per connection look smaller.
 */
async function settledRss(pid: number): Promise<void> {
  const until = Date.now() + SETTLE_RSS_MAX_MS;
  let previous = readRssBytes(pid);
  while (Date.now() < until) {
    await sleep(1000);
    const now = readRssBytes(pid);
    if (now - previous < SETTLED_RSS_BYTES) return;
    previous = now;
  }
}

async function medianRss(pid: number): Promise<number> {
  const reads: number[] = [];
  for (let i = 0; i < 3; i++) {
    reads.push(readRssBytes(pid));
    await sleep(300);
  }
  return median(reads);
}

/** A server of this kind on a port free now, so that concurrent bench runs on the machine never collide. */
export async function startServerKind(kind: ServerKind, s: BenchSettings): Promise<ServerProcess> {
  const port = await freePort();
  return ServerProcess.start(kind.name, port, kind.args(port, s));
}

/**
 * Starts one server, puts one load on it and measures, in this order (each
 * phase leaves the next a clean state): memory before/after connecting, CPU
 * while the clients are quiet, heartbeat throughput, and detection of the
 * silenced clients with the false positives among the live ones.
 */
export async function measureServer(kind: ServerKind, s: BenchSettings, plan: LoadPlan): Promise<ServerMeasurement> {
  const server = await startServerKind(kind, s);
  const port = server.port;
  const edge = kind.edge?.();
  let run: LoadRun | null = null;
  try {
    await sleep(s.settleMs);
    await settledRss(server.pid);
    const rssBeforeBytes = await medianRss(server.pid);
    run = await LoadRun.start({
      url: wsUrl(kind, port),
      edge,
      connections: plan.connections,
      muxConnections: plan.muxConnections,
      idsPerMux: plan.idsPerMux,
      silenceFraction: plan.detection ? s.silenceFraction : 0,
      maxConnectionsPerChild: s.maxPerChild,
      victimGroups: s.repeats,
      timeoutMs: plan.timeoutMs,
      pingIntervalMs: plan.pingIntervalMs,
      heartbeatIntervalMs: plan.steadyHeartbeatMs,
      connectConcurrency: 50,
    });
    let midway: { opened: number; rss: number } | null = null;
    const connect = await run.connect(async (opened) => {
      await sleep(s.settleMs);
      midway = { opened, rss: await medianRss(server.pid) };
    });
    const clients = connect.registered;
    progress(`${kind.name} [${plan.label}]: ${connect.opened} connections (${connect.failed} failed), ${clients} client_ids in ${(connect.ms / 1000).toFixed(1)} s`);
    await sleep(s.settleMs);
    const rssAfterBytes = await medianRss(server.pid);
    const mid = midway as { opened: number; rss: number } | null;
    const rssMarginalPerConnectionBytes = mid === null || connect.opened <= mid.opened ? null : (rssAfterBytes - mid.rss) / (connect.opened - mid.opened);

    const idleCpuSamples: number[] = [];
    const wsPings: number[] = [];
    const kaPings: number[] = [];
    if (plan.idleCpu) {
      for (let i = 0; i < s.repeats; i++) {
        const c0 = await run.counts();
        const cpu0 = readCpuSeconds(server.pid);
        const t0 = performance.now();
        await sleep(s.idleCpuWindowMs);
        const cpu1 = readCpuSeconds(server.pid);
        const secs = (performance.now() - t0) / 1000;
        const c1 = await run.counts();
        idleCpuSamples.push((100 * (cpu1 - cpu0)) / secs);
        wsPings.push((c1.pingsReceived - c0.pingsReceived) / secs);
        kaPings.push((c1.kaPingsReceived - c0.kaPingsReceived) / secs);
      }
      progress(`${kind.name}: idle CPU ${idleCpuSamples.map((v) => v.toFixed(1)).join(' / ')} %`);
    }

    const throughputSamples: ThroughputResult[] = [];
    const cpuPerMillion: number[] = [];
    const loadCpu: number[] = [];
    const loadPerMillion: number[] = [];
    const loadTool = plan.throughput ? loadToolFor(kind, plan.loadTool) : null;
    let threadCpuPct: number[] | null = null;
    if (loadTool !== null) {
      // The native tool bursts on connections of its own, beside the JS children's.
      const native = loadTool === 'native' ? await startNativeBurst(port, 0, s) : null;
      const driver: WindowDriver = native === null ? { tool: 'js', run } : { tool: 'native', burst: native };
      try {
        for (let i = 0; i < s.repeats; i++) {
          const w = await throughputWindow(driver, server.pid, run.children.map((c) => c.pid), s);
          throughputSamples.push({ repliesPerSec: w.repliesPerSec, windowMs: w.windowMs, connections: w.connections, window: w.window });
          cpuPerMillion.push(w.serverCpuPerMillion);
          loadCpu.push(w.toolCpuPct);
          loadPerMillion.push(w.toolCpuPerMillion);
          threadCpuPct = w.threadPcts;
        }
      } finally {
        await native?.stop();
      }
      progress(
        `${kind.name}: heartbeat throughput ${throughputSamples.map((t) => Math.round(t.repliesPerSec)).join(' / ')} msg/s; ` +
          `server CPU ${cpuPerMillion.map((v) => v.toFixed(2)).join(' / ')} s per million; ` +
          `load tool (${loadTool}) CPU ${loadCpu.map((v) => v.toFixed(0)).join(' / ')} %, ${loadPerMillion.map((v) => v.toFixed(2)).join(' / ')} s per million`,
      );
    }

    let detection: DetectionResult | null = null;
    const detectionRounds: DetectionResult[] = [];
    if (plan.detection && kind.keepsAlive) {
      const windowMs = kind.windowMs(s, plan.timeoutMs);
      await run.setHeartbeatInterval(plan.detectionHeartbeatMs);
      // One victim group per round: the same measurement repeated, seconds apart.
      for (let g = 0; g < run.victimGroups; g++) {
        await sleep(s.preSilenceMs);
        await run.silence(g);
        const waited = await run.awaitExpiries(2 * windowMs + 5_000, g);
        const round = run.detection(kind.model, windowMs, g);
        detectionRounds.push(round);
        progress(`${kind.name} round ${g + 1}: ${round.detected}/${round.silenced} silenced clients expired in ${(waited / 1000).toFixed(1)} s, ${round.early} early, delay p99 ${round.delayMs.p99.toFixed(1)} ms`);
      }
      detection = run.detection(kind.model, windowMs);
    }
    const losses = kind.keepsAlive ? await run.losses() : null;
    const serverSide = kind.hasMetrics ? await fetchServerFigures(port, edge?.caPem) : null;
    return {
      server: kind.name,
      scenario: plan.label,
      description: `${kind.describe(s)}; clients register timeout_ms ${plan.timeoutMs}, ping_interval_ms ${plan.pingIntervalMs}`,
      connections: connect.opened,
      clients,
      connect,
      rssBeforeBytes,
      rssAfterBytes,
      rssPerConnectionBytes: (rssAfterBytes - rssBeforeBytes) / Math.max(1, connect.opened),
      rssMarginalPerConnectionBytes,
      rssPerClientBytes: (rssAfterBytes - rssBeforeBytes) / Math.max(1, clients),
      idleCpuPct: idleCpuSamples.length > 0 ? median(idleCpuSamples) : null,
      idleCpuSamples,
      wsPingsPerSec: wsPings.length > 0 ? median(wsPings) : null,
      kaPingsPerSec: kaPings.length > 0 ? median(kaPings) : null,
      throughputPerSec: throughputSamples.length > 0 ? median(throughputSamples.map((t) => t.repliesPerSec)) : null,
      throughputSamples,
      cpuSecondsPerMillionHeartbeats: cpuPerMillion.length > 0 ? median(cpuPerMillion) : null,
      threadCpuPct,
      loadTool,
      loadToolCpuPct: loadCpu.length > 0 ? median(loadCpu) : null,
      loadToolCpuPerMillion: loadPerMillion.length > 0 ? median(loadPerMillion) : null,
      detection,
      detectionRounds,
      detectionP99MedianMs: detectionRounds.length > 0 ? median(detectionRounds.map((r) => r.delayMs.p99)) : null,
      losses,
      serverSide,
      loadAverage: os.loadavg()[0],
      serverSurvived: server.alive,
    };
  } catch (err) {
    throw new Error(`${kind.name} [${plan.label}]: ${err instanceof Error ? err.message : String(err)}\n${server.logTail}`);
  } finally {
    run?.stop();
    await server.stop();
  }
}
