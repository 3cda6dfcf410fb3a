import type { Clock } from './clock.js';
import { afterInputRead } from './input-horizon.js';

/**
 * One setTimeout at the earliest deadline of a live monitor. When it
 * fires, `fire` runs once the input that reached the sockets meanwhile has
 * been read, with the time up to which it has (input-horizon.ts): the
 * monitor sweeps at that time, not at the clock's.
 */
export class DeadlineTimer {
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly fire: (readUpTo: number) => void,
    /**
     * How far the read horizon lags the clock as the sweep starts (clock.now()
     * - readUpTo, ms): the time expiries waited for input to be read. About a
     * loop iteration: microseconds when quiet, the length of the busiest
     * handler when the loop is flooded.
     */
    private readonly observeLag?: (lagMs: number) => void,
  ) {}

  /** The deadline the timer is armed for; Infinity when idle. */
  get armedAt(): number {
    return this.armedFor;
  }

  /** Arms for `at` (ms on the clock) unless already armed for that or earlier. */
  arm(at: number): void {
    if (at >= this.armedFor || at === Infinity) return;
    clearTimeout(this.timer);
    this.armedFor = at;
    // setTimeout takes at most 2^31-1 ms; a later deadline is re-armed on wake-up.
    const delay = Math.min(Math.max(0, at - this.clock.now()), 0x7fffffff);
    this.timer = setTimeout(() => this.onTimer(), delay);
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
  }

  private onTimer(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    afterInputRead(this.clock, (readUpTo) => {
      this.observeLag?.(this.clock.now() - readUpTo);
      this.fire(readUpTo);
    });
  }
}
