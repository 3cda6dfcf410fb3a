import type { SweepBatch } from '../core/index.js';
import { MonotonicClock, type Clock } from './clock.js';
import { DeadlineTimer } from './deadline-timer.js';
import { afterInputRead } from './input-horizon.js';
import {
  KeepAliveMonitor,
  type CheckResult,
  type ClientHandle,
  type ClientSettings,
  type ClientStatus,
} from './monitor.js';

/**
 * One sweep step's expired clients: the first `count` entries of parallel
 * arrays. The arrays are the sweep's own, reused by the next step: valid
 * during the call only (copy what you keep).
 */
export interface ExpiredFindings {
  readonly count: number;
  readonly ids: readonly string[];
  /** last_seen + timeout (ms). */
  readonly deadlines: readonly number[];
}

/** One sweep step's clients due a ping, as ExpiredFindings: the first `count` entries, valid during the call only. */
export interface PingFindings {
  readonly count: number;
  readonly ids: readonly string[];
  /** The handle of each client's current life. */
  readonly handles: readonly number[];
}

/** What a live monitor tells its transport, in batches. */
export interface LiveMonitorEvents {
  /** Clients silent for more than their timeout. */
  expired?(found: ExpiredFindings, now: number): void;
  /** Clients silent for their ping interval (once per silence). */
  ping?(found: PingFindings, now: number): void;
  /** A timer's sweep starts `lagMs` after its read horizon (deadline-timer.ts): expiries deferred that long for unread input. */
  horizonLag?(lagMs: number): void;
}

/**
 * The monitor as a long-running server uses it: real time, expiry pushed
 * as events. The hot operations are synchronous on the caller's thread;
 * the whole-population ones (check, status) return promises so that an
 * implementation may run them elsewhere (worker shards).
 */
export interface LiveMonitor {
  readonly clock: Clock;
  /**
   * Whether a handle from `register` is final when returned, so a caller may
   * copy its two numbers and drop the object (true in process); false when a
   * handle may still resolve later (worker shards lent to a sweep).
   */
  readonly finalHandles: boolean;
  register(clientId: string, settings: ClientSettings): ClientHandle;
  heartbeat(clientId: string): boolean;
  heartbeatHandle(client: ClientHandle): boolean;
  /** A client whose connection closed: removed, not reported as expired. */
  remove(clientId: string): boolean;
  has(clientId: string): boolean;
  readonly size: number;
  check(currentTimeMs?: number): Promise<CheckResult>;
  status(): Promise<ClientStatus[]>;
  close(): Promise<void>;
}

export interface InProcessLiveMonitorOptions {
  shards?: number;
  trackPings?: boolean;
  /** See MonitorOptions.pingTickMs. */
  pingTickMs?: number;
  /** Expiries also queued for the next ka_check (default false for servers). */
  queueExpiryReports?: boolean;
  clock?: Clock;
  events?: LiveMonitorEvents;
  /** See MonitorOptions.sweepOnAccess (default true). */
  sweepOnAccess?: boolean;
}

/**
 * Clients a timer-driven sweep hands out (or moves inside the wheel) per
 * synchronous step: about 1-2 ms of work at the core's per-client cost, so
 * that a mass expiry of a million clients never holds the event loop for
 * more than a few ms at a time.
 */
export const SWEEP_STEP_LIMIT = 8192;

/**
 * One timer, armed at the earliest time any shard has work (a peek at the
 * wheels), so nothing runs while nothing is due. When it fires, the sweep
 * waits until the input that reached the sockets meanwhile has been read,
 * and sweeps at the time up to which it has (input-horizon.ts), not at the
 * clock's: a loop too busy to read its sockets delays expiries, it never
 * expires a client whose heartbeat it has not read. A sweep that finds
 * more than SWEEP_STEP_LIMIT clients due goes on the same way, step by
 * step, so other work runs between the steps.
 */
export class InProcessLiveMonitor implements LiveMonitor {
  readonly clock: Clock;
  readonly finalHandles = true;
  readonly monitor: KeepAliveMonitor;
  private readonly events: LiveMonitorEvents;
  private readonly timer: DeadlineTimer;
  private sweepQueued = false;
  /** A mass expiry is being handed out step by step (see SWEEP_STEP_LIMIT). */
  private stepping = false;
  private closed = false;

  constructor(options: InProcessLiveMonitorOptions = {}) {
    this.clock = options.clock ?? new MonotonicClock();
    this.events = options.events ?? {};
    this.timer = new DeadlineTimer(this.clock, (readUpTo) => this.sweepStep(readUpTo), (lagMs) => this.events.horizonLag?.(lagMs));
    this.monitor = new KeepAliveMonitor({
      shards: options.shards,
      trackPings: options.trackPings ?? true,
      pingTickMs: options.pingTickMs,
      queueExpiryReports: options.queueExpiryReports ?? false,
      sweepOnAccess: options.sweepOnAccess,
      onSweep: (batch) => this.publish(batch),
    });
  }

  get size(): number {
    return this.monitor.size;
  }

  register(clientId: string, settings: ClientSettings): ClientHandle {
    const handle = this.monitor.register(clientId, settings, this.clock.now());
    this.arm();
    return handle;
  }

  // A heartbeat mostly pushes deadlines later: the armed timer may fire
  // early and find nothing, then re-arms; cheaper than re-arming per beat.
  // The exception is a heartbeat that ends a pinged silence: the client was
  // filed at its expiry and is now filed at its next ping, earlier, so the
  // timer is armed for that (O(1); without it, a lone client that answers
  // its pings would next be pinged only when the timer woke for its expiry).
  heartbeat(clientId: string): boolean {
    return this.armRefiled(this.monitor.heartbeat(clientId, this.clock.now()));
  }

  heartbeatHandle(client: ClientHandle): boolean {
    return this.armRefiled(this.monitor.heartbeatHandle(client, this.clock.now()));
  }

  private armRefiled(alive: boolean): boolean {
    const at = this.monitor.takeRefiledAt();
    if (at !== Infinity && !this.closed && !this.stepping) this.timer.arm(at);
    return alive;
  }

  remove(clientId: string): boolean {
    return this.monitor.remove(clientId, this.clock.now());
  }

  has(clientId: string): boolean {
    return this.monitor.has(clientId, this.clock.now());
  }

  async check(currentTimeMs?: number): Promise<CheckResult> {
    if (currentTimeMs !== undefined) this.clock.observe(currentTimeMs);
    const result = this.monitor.check(this.clock.now());
    this.arm();
    return result;
  }

  async status(): Promise<ClientStatus[]> {
    return this.monitor.status(this.clock.now());
  }

  async close(): Promise<void> {
    this.closed = true;
    this.timer.cancel();
  }

  private arm(): void {
    if (!this.closed && !this.stepping) this.timer.arm(this.monitor.nextFireAt());
  }

  private sweepStep(readUpTo: number): void {
    this.stepping = false;
    if (this.closed) return;
    this.monitor.sweep(readUpTo, SWEEP_STEP_LIMIT);
    if (!this.monitor.moreDue) {
      this.arm();
      return;
    }
    // The next step once the loop has read its sockets again; the timer stays off meanwhile.
    this.stepping = true;
    afterInputRead(this.clock, (next) => this.sweepStep(next));
  }

  private publish(batch: SweepBatch): void {
    // The time the findings are acted on (the sweep's own time may be earlier: its read horizon).
    const now = this.clock.now();
    // One small object per step, none per client: the arrays are the batch's, reused.
    if (batch.expiredCount > 0) this.events.expired?.({ count: batch.expiredCount, ids: batch.expiredIds, deadlines: batch.expiredDeadlines }, now);
    if (batch.pingCount > 0) this.events.ping?.({ count: batch.pingCount, ids: batch.pingIds, handles: batch.pingHandles }, now);
    if (!this.sweepQueued) {
      // Sweeps run from register/heartbeat too; re-arm once the caller is done.
      this.sweepQueued = true;
      queueMicrotask(() => {
        this.sweepQueued = false;
        this.arm();
      });
    }
  }
}
