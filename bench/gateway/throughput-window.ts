import type { LoadRun } from '../../scripts/load/load-run.js';
import { NativeBurst } from '../../scripts/load/native/ws-burst.js';
import type { BenchSettings } from './bench-settings.js';
import { readCpuSeconds, readThreadCpuSeconds } from './proc-stats.js';
import type { ServerKind } from './server-kinds.js';

/**
 * Which load tool drives a throughput window: `native` (the default),
 * scripts/load/native/ws-burst.c, a C epoll loop costing a fraction of the
 * server's CPU per message, bursting on connections of its own (and, in the
 * interleaved comparisons, holding the quiet ones too); `js`
 * (`--load-tool js`), the JS children bursting on some of their own
 * connections. Issue 9: on 2 cores a tool
 * costing c per message next to a server costing s caps 2 threads at
 * 2s/(s+c) times one, so the tool must cost well under s/3.
 */
export type LoadTool = 'native' | 'js';

/** One counted throughput window: the rate, and what it cost the server and the load tool. */
export interface WindowFigures {
  /** The tool that drove it (`native` falls back to `js` for TLS and auth servers: ws-burst speaks plain ws:// only). */
  tool: LoadTool;
  repliesPerSec: number;
  windowMs: number;
  /** Connections bursting, each keeping `window` answered heartbeats in flight. */
  connections: number;
  window: number;
  /** Server CPU seconds (every thread) per million replies. */
  serverCpuPerMillion: number;
  /** The load tool's CPU seconds per million replies: the bursting tool and the JS children holding the quiet connections. */
  toolCpuPerMillion: number;
  /** The same, % of one core over the window. */
  toolCpuPct: number;
  /** Of toolCpuPerMillion, the native burst tool alone (its getrusage); null with js. */
  burstToolCpuPerMillion: number | null;
  /** The server's busiest threads, % of a core each, busiest first. */
  threadPcts: number[];
}

/** The tool a server of this kind is measured with when `requested` is asked for. */
export function loadToolFor(kind: ServerKind, requested: LoadTool): LoadTool {
  return kind.edge === undefined ? requested : 'js';
}

/** What bursts in a window: a ws-burst session, or the JS children of a load run. */
export type WindowDriver = { tool: 'native'; burst: NativeBurst } | { tool: 'js'; run: LoadRun };

let sessions = 0;

/**
 * A ws-burst session on the server at `port`, bursting on the settings'
 * burstConnections with `quiet` more connections held beside them; stop it
 * when done.
 */
export function startNativeBurst(port: number, quiet: number, s: BenchSettings): Promise<NativeBurst> {
  return NativeBurst.start({
    port,
    connections: s.burstConnections,
    quiet,
    window: s.burstWindow,
    warmupMs: s.burstWarmupMs,
    windowMs: s.burstMs,
    timeoutMs: s.timeoutMs,
    pingIntervalMs: s.pingIntervalMs,
    idPrefix: `wsb${process.pid}s${sessions++}`,
  });
}

/**
 * Measures one throughput window against the server `serverPid`. The load
 * tool's CPU is the bursting ws-burst's own (getrusage) and that of every
 * other load process in `loadPids` (JS children holding quiet connections,
 * other ws-burst sessions), read at the window's edges.
 */
export async function throughputWindow(driver: WindowDriver, serverPid: number, loadPids: readonly number[], s: BenchSettings): Promise<WindowFigures> {
  const own = driver.tool === 'native' ? driver.burst.pid : -1;
  const cpu = new WindowCpu(serverPid, loadPids.filter((pid) => pid !== own));
  let repliesPerSec: number;
  let windowMs: number;
  let connections: number;
  let burstToolSeconds: number | null = null;
  if (driver.tool === 'native') {
    const r = await driver.burst.burst(cpu.edge);
    ({ repliesPerSec, windowMs, connections } = r);
    burstToolSeconds = r.cpuSeconds;
  } else {
    ({ repliesPerSec, windowMs, connections } = await driver.run.throughput(s.burstConnections, s.burstWindow, s.burstWarmupMs, s.burstMs, cpu.edge));
  }
  const millions = (repliesPerSec * windowMs) / 1000 / 1e6;
  const toolSeconds = cpu.loadSeconds() + (burstToolSeconds ?? 0);
  return {
    tool: driver.tool,
    repliesPerSec,
    windowMs,
    connections,
    window: s.burstWindow,
    serverCpuPerMillion: cpu.serverSeconds() / millions,
    toolCpuPerMillion: toolSeconds / millions,
    toolCpuPct: (100 * toolSeconds) / cpu.seconds(),
    burstToolCpuPerMillion: burstToolSeconds === null ? null : burstToolSeconds / millions,
    threadPcts: cpu.threadPcts(),
  };
}

/** CPU readings at the edges of one counted throughput window: the server (all threads, and each), the load tool's children. */
export class WindowCpu {
  private server: number[] = [];
  private load: number[] = [];
  private threads: Map<number, number>[] = [];
  private at: number[] = [];

  constructor(
    private readonly serverPid: number,
    private readonly loadPids: readonly number[],
  ) {}

  readonly edge = (): void => {
    this.at.push(performance.now());
    this.server.push(readCpuSeconds(this.serverPid));
    this.threads.push(readThreadCpuSeconds(this.serverPid));
    this.load.push(this.loadPids.reduce((sum, pid) => sum + readCpuSeconds(pid), 0));
  };

  serverSeconds(): number {
    return this.server[1] - this.server[0];
  }

  /** The load tool's children's CPU seconds over the window. */
  loadSeconds(): number {
    return this.load[1] - this.load[0];
  }

  /** The three busiest threads, % of a core. */
  threadPcts(): number[] {
    const [before, after] = this.threads;
    const used = [...after].map(([tid, cpu]) => (100 * (cpu - (before.get(tid) ?? 0))) / this.seconds());
    return used.sort((a, b) => b - a).slice(0, 3);
  }

  seconds(): number {
    return (this.at[1] - this.at[0]) / 1000;
  }
}
