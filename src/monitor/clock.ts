/**
 * The one source of time for the keep-alive's decisions (integer
 * milliseconds, never going back): last_seen, deadlines, sweeps, replies.
 * Two other kinds of reading exist, neither of which decides an expiry:
 * the deadline timer waits with setTimeout, whose delay it computes from
 * this clock and which fires by the event loop's own clock (a sweep then
 * runs at this clock's read horizon: input-horizon.ts); and durations
 * measured for metrics, logs and benchmarks (performance.now()), plus
 * wall-clock stamps for people (Date.now(): the dashboard's feed, Redis
 * epochs, token expiry).
 */
export interface Clock {
  /** The current time in whole milliseconds. */
  now(): number;
  /** A request said the time is at least `ms` (ka_check's current_time_ms). */
  observe(ms: number): void;
  /**
   * The instant `ms` of this clock as fractional milliseconds since the Unix
   * epoch, fixed for a given `ms`: what puts readings of I/O threads, each
   * with its own clock, on one time line.
   */
  epochMs(ms: number): number;
}

export type ClockKind = 'virtual' | 'real';

/** Time moves only when told: the stdio node's default, and tests'. */
export class VirtualClock implements Clock {
  private t = 0;

  now(): number {
    return this.t;
  }

  observe(ms: number): void {
    if (ms > this.t) this.t = Math.floor(ms);
  }

  epochMs(ms: number): number {
    return ms;
  }
}

/** Monotonic milliseconds since start, never less than the latest observed time. */
export class MonotonicClock implements Clock {
  private readonly origin = performance.now();
  private floor = 0;

  now(): number {
    return Math.max(this.floor, Math.floor(performance.now() - this.origin));
  }

  observe(ms: number): void {
    if (ms > this.floor) this.floor = Math.floor(ms);
  }

  epochMs(ms: number): number {
    return performance.timeOrigin + this.origin + ms;
  }
}

export function createClock(kind: ClockKind): Clock {
  return kind === 'real' ? new MonotonicClock() : new VirtualClock();
}
