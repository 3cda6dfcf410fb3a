/**
 * The one source of time (integer milliseconds, never going back). Nothing
 * else in keepwatch reads a wall or monotonic clock.
 */
export interface Clock {
  /** The current time in whole milliseconds. */
  now(): number;
  /** A request said the time is at least `ms` (ka_check's current_time_ms). */
  observe(ms: number): void;
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
}

export function createClock(kind: ClockKind): Clock {
  return kind === 'real' ? new MonotonicClock() : new VirtualClock();
}
