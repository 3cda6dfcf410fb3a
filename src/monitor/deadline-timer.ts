import type { Clock } from './clock.js';

/**
 * One setTimeout at the earliest deadline, with the stall protection of a
 * live monitor: when it fires, `fire` runs from setImmediate, i.e. after
 * the event loop's poll phase, so input that arrived while the timer was
 * pending is read (and counted) first; after a stall (the timer fired more
 * than `stallThresholdMs` late) it waits for one more poll phase.
 */
export class DeadlineTimer {
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly stallThresholdMs: number,
    private readonly fire: () => void,
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
    const expectedAt = performance.now() + delay;
    this.timer = setTimeout(() => this.onTimer(expectedAt), delay);
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
  }

  private onTimer(expectedAt: number): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const late = performance.now() - expectedAt;
    setImmediate(late > this.stallThresholdMs ? () => setImmediate(this.fire) : this.fire);
  }
}
