import { setTimeout as sleep } from 'node:timers/promises';
import { ChildHandle } from './child-handle.js';
import { ExpiryObserver } from './expiry-observer.js';
import { summarizeSigned, type SignedSummary } from './delay-stats.js';
import { computeDetection, type ActivityModel, type DetectionResult } from './detection.js';
import { nowNs } from '../../bench/lib/histogram.js';
import { planChildren, type ConnectionSpec, type LoadShape } from './load-plan.js';
import type { ChildCounts, ConnectResult, FrozenActivity, LiveLoss } from './ipc-messages.js';
import type { LoadEdge } from './edge-access.js';

export interface LoadConfig extends LoadShape {
  url: string;
  timeoutMs: number;
  pingIntervalMs: number;
  heartbeatIntervalMs: number;
  connectConcurrency: number;
  /** wss:// and a token per connection; undefined: plain ws://, no token. */
  edge?: LoadEdge;
}

export interface ThroughputResult {
  /** Heartbeat replies received per second over the window. */
  repliesPerSec: number;
  windowMs: number;
  connections: number;
  window: number;
}

export interface LossSummary {
  /** Live clients the server expired or closed: false positives. */
  falsePositives: number;
  byKind: Record<LiveLoss['kind'], number>;
  /**
   * Of the false positives, by the client's own clock: silent over its
   * timeout when the end was seen, or just before its last write (a ping
   * sent late, or a starved load tool answering late: loadToolLoopDelayMaxMs
   * tells which); or never silent that long (the server read its frames
   * late, or expired it early).
   */
  byClientClock: { silentOverTimeout: number; withinTimeout: number };
  /** How long the ended live clients had been silent (by their own clock), ms. */
  silenceMs: SignedSummary;
  /** The gap before each ended live client's last write, ms (see LiveLoss.previousGapNs). */
  previousGapMs: SignedSummary;
  /** Pings the live children read late (ChildCounts.latePings), since they started. */
  latePings: number;
  /** The load tool's longest event-loop delay, ms (its live children, since their connections were up): seconds mean a starved tool. */
  loadToolLoopDelayMaxMs: number;
  /** A few of them, for diagnosis. */
  samples: Array<{ clientId: string; kind: LiveLoss['kind']; code: number; silentMs: number; previousGapMs: number }>;
}

const STEP_TIMEOUT_MS = 120_000;
/** Connecting is the one long step: 5,000 wss:// handshakes (and tokens) per child take minutes on a loaded 2-core machine. */
const CONNECT_TIMEOUT_MS = 600_000;

/**
 * The coordinator of one load run: forks the children, drives them through
 * the phases, silences the victims, and judges what the server did. Every
 * wait is bounded; `stop()` ends every child it forked, by PID.
 */
export class LoadRun {
  readonly children: ChildHandle[];
  readonly observer: ExpiryObserver;
  private readonly frozen: FrozenActivity = { connectionLastWriteNs: {}, clientLastNamedNs: {}, closedBeforeSilence: [], lossesBeforeSilence: [] };
  silencedAtNs = 0;

  private constructor(readonly config: LoadConfig) {
    this.observer = new ExpiryObserver(config.edge?.caPem !== undefined);
    this.children = planChildren(config).map((plan) => new ChildHandle(plan, (conn, socket) => this.observer.watch(conn, socket)));
  }

  static async start(config: LoadConfig): Promise<LoadRun> {
    const run = new LoadRun(config);
    try {
      await Promise.all(run.children.map((c) => c.next('ready', 30_000)));
      await Promise.all(
        run.children.map((c) =>
          c.request(
            {
              t: 'setup',
              setup: {
                url: config.url,
                plan: c.plan,
                timeoutMs: config.timeoutMs,
                pingIntervalMs: config.pingIntervalMs,
                heartbeatIntervalMs: config.heartbeatIntervalMs,
                connectConcurrency: config.connectConcurrency,
                edge: config.edge ?? { caPem: undefined, jwtSecret: undefined },
              },
            },
            'ack',
            30_000,
          ),
        ),
      );
    } catch (err) {
      run.stop();
      throw err;
    }
    return run;
  }

  private victimChildren(group?: number): ChildHandle[] {
    const victims = this.children.filter((c) => c.plan.role === 'victim');
    return group === undefined ? victims : victims.slice(group, group + 1);
  }

  /** How many victim children, each silenced in its own round by `silence(group)`. */
  get victimGroups(): number {
    return this.victimChildren().length;
  }

  /** The connections silenced (victims the server had not already closed before the silence), of one group or all. */
  victimConnections(group?: number): ConnectionSpec[] {
    const gone = new Set(this.frozen.closedBeforeSilence);
    return this.victimChildren(group)
      .filter((c) => c.stopped)
      .flatMap((c) => c.plan.connections)
      .filter((v) => !gone.has(v.index));
  }

  /**
   * Opens every child's connections. With `midway`, in two steps: the
   * children holding about the first third of the connections, then
   * `midway(opened)` is awaited (a reading of the server between the two),
   * then the rest.
   */
  async connect(midway?: (opened: number) => Promise<void>): Promise<ConnectResult & { ms: number }> {
    const start = nowNs();
    const total: ConnectResult = { opened: 0, failed: 0, registered: 0, firstError: null };
    const add = async (children: ChildHandle[]): Promise<void> => {
      const results = await Promise.all(children.map((c) => c.request({ t: 'connect' }, 'connected', CONNECT_TIMEOUT_MS)));
      for (const { result } of results) {
        total.opened += result.opened;
        total.failed += result.failed;
        total.registered += result.registered;
        total.firstError ??= result.firstError;
      }
    };
    let first = this.children.length;
    if (midway !== undefined) {
      const planned = this.children.reduce((n, c) => n + c.plan.connections.length, 0);
      let sum = 0;
      first = this.children.findIndex((c) => (sum += c.plan.connections.length) * 3 >= planned) + 1;
    }
    await add(this.children.slice(0, first));
    if (midway !== undefined && first < this.children.length) {
      await midway(total.opened);
      await add(this.children.slice(first));
    }
    return { ...total, ms: (nowNs() - start) / 1e6 };
  }

  async setHeartbeatInterval(intervalMs: number): Promise<void> {
    await Promise.all(this.live().map((c) => c.request({ t: 'heartbeat-rate', intervalMs }, 'ack', 30_000)));
  }

  private live(): ChildHandle[] {
    return this.children.filter((c) => !c.stopped);
  }

  private async sumCounts(): Promise<ChildCounts> {
    const all = await Promise.all(this.live().map((c) => c.request({ t: 'counts' }, 'counts', 30_000)));
    return all.reduce<ChildCounts>(
      (s, { counts }) => ({
        burstReplies: s.burstReplies + counts.burstReplies,
        badReplies: s.badReplies + counts.badReplies,
        framesSent: s.framesSent + counts.framesSent,
        pingsReceived: s.pingsReceived + counts.pingsReceived,
        kaPingsReceived: s.kaPingsReceived + counts.kaPingsReceived,
        latePings: s.latePings + counts.latePings,
      }),
      { burstReplies: 0, badReplies: 0, framesSent: 0, pingsReceived: 0, kaPingsReceived: 0, latePings: 0 },
    );
  }

  /**
   * Closed-loop heartbeat bursts: `connections` connections (spread over the
   * live children) each keep about `window` answered heartbeats in flight;
   * the rate is replies counted over `windowMs` after a warm-up.
   * `onWindow` is called as the counted window starts and ends (a caller's
   * CPU readings, say).
   */
  async throughput(connections: number, window: number, warmupMs: number, windowMs: number, onWindow?: (edge: 'start' | 'end') => void): Promise<ThroughputResult> {
    const live = this.live().filter((c) => c.plan.role === 'live');
    const per = Math.max(1, Math.ceil(connections / live.length));
    await Promise.all(live.map((c) => c.request({ t: 'burst-start', connections: per, window }, 'ack', 30_000)));
    try {
      await sleep(warmupMs);
      const t0 = nowNs();
      onWindow?.('start');
      const c0 = await this.sumCounts();
      await sleep(windowMs);
      const c1 = await this.sumCounts();
      onWindow?.('end');
      const t1 = nowNs();
      if (c1.badReplies > 0) throw new Error(`${c1.badReplies} sampled heartbeat replies did not answer the heartbeat (the load children's stderr has the first)`);
      return { repliesPerSec: (c1.burstReplies - c0.burstReplies) / ((t1 - t0) / 1e9), windowMs: (t1 - t0) / 1e6, connections: per * live.length, window };
    } finally {
      await Promise.all(live.map((c) => c.request({ t: 'burst-stop' }, 'ack', 30_000)));
    }
  }

  async counts(): Promise<ChildCounts> {
    return this.sumCounts();
  }

  /** Freezes the victim children of one group, or all (no more writes), takes over watching their sockets, then stops them with SIGSTOP. */
  async silence(group?: number): Promise<void> {
    const victims = this.victimChildren(group);
    await Promise.all(
      victims.map(async (c) => {
        const { activity } = await c.request({ t: 'freeze' }, 'frozen', 30_000);
        c.signal('SIGSTOP');
        c.stopped = true;
        Object.assign(this.frozen.connectionLastWriteNs, activity.connectionLastWriteNs);
        Object.assign(this.frozen.clientLastNamedNs, activity.clientLastNamedNs);
        this.frozen.closedBeforeSilence.push(...activity.closedBeforeSilence);
        this.frozen.lossesBeforeSilence.push(...activity.lossesBeforeSilence);
      }),
    );
    this.silencedAtNs = nowNs();
  }

  /** Waits until every silenced client has been seen expired, or `maxWaitMs`; returns the ms waited. */
  async awaitExpiries(maxWaitMs: number, group?: number): Promise<number> {
    const start = nowNs();
    const victims = this.victimConnections(group);
    const done = (): boolean =>
      victims.every((v) => this.observer.connectionEndNs.has(v.index) || (v.clients > 1 && this.allMuxExpired(v)));
    while (!done() && (nowNs() - start) / 1e6 < maxWaitMs) await sleep(100);
    return (nowNs() - start) / 1e6;
  }

  private allMuxExpired(v: ConnectionSpec): boolean {
    for (let j = 0; j < v.clients; j++) if (!this.observer.clientExpiredNs.has(`m${v.index}-${j}`)) return false;
    return true;
  }

  detection(model: ActivityModel, windowMs: number, group?: number): DetectionResult {
    return computeDetection(this.victimConnections(group), this.frozen, this.observer, model, windowMs);
  }

  /** What the live children saw the server end: every one is a false positive. */
  async losses(): Promise<LossSummary> {
    const reports = await Promise.all(this.live().map((c) => c.request({ t: 'report' }, 'report', 30_000)));
    const losses = [...this.frozen.lossesBeforeSilence, ...reports.flatMap((r) => r.report.losses)];
    const byKind: LossSummary['byKind'] = { 'closed-4000': 0, ka_expired: 0, 'other-close': 0 };
    for (const l of losses) byKind[l.kind]++;
    const timeoutNs = this.config.timeoutMs * 1e6;
    const silentOverTimeout = losses.filter((l) => l.silentForNs > timeoutNs || l.previousGapNs > timeoutNs).length;
    return {
      falsePositives: losses.length,
      byKind,
      byClientClock: { silentOverTimeout, withinTimeout: losses.length - silentOverTimeout },
      silenceMs: summarizeSigned(losses.map((l) => l.silentForNs / 1e6)),
      previousGapMs: summarizeSigned(losses.map((l) => l.previousGapNs / 1e6)),
      loadToolLoopDelayMaxMs: Math.max(0, ...reports.map((r) => r.report.loopDelayMaxMs)),
      latePings: reports.reduce((n, r) => n + r.report.counts.latePings, 0),
      samples: losses.slice(0, 8).map((l) => ({ clientId: l.clientId, kind: l.kind, code: l.code, silentMs: l.silentForNs / 1e6, previousGapMs: l.previousGapNs / 1e6 })),
    };
  }

  stop(): void {
    for (const c of this.children) c.kill();
    this.observer.closeAll();
  }
}
