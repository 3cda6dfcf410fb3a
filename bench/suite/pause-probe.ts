import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * The longest main-thread pause while work is spread over event-loop turns
 * (worker hand-offs, real timers): the event-loop delay of a 1 ms timer.
 * A pause of P ms shows as a delay of about P ms (+ up to 1 ms resolution).
 */
export class PauseProbe {
  private readonly eld: IntervalHistogram = monitorEventLoopDelay({ resolution: 1 });

  start(): void {
    this.eld.reset();
    this.eld.enable();
  }

  /** Stops and returns the delay percentiles (ns). */
  stop(): { p50: number; p99: number; max: number } {
    this.eld.disable();
    return { p50: this.eld.percentile(50), p99: this.eld.percentile(99), max: this.eld.max };
  }
}
