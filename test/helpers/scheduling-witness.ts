/**
 * How late this process's own timers ran while a real-time test ran: the
 * machine's share of a lateness the test measures. A timer every
 * INTERVAL_MS records how far past its due time it fired; `maxLateMs` is
 * the worst. A bound of the form "at most B ms after the deadline" is then
 * checked as B + maxLateMs: what the code under test adds stays bounded by
 * B, and a machine too busy to run this process on time (CI shares two
 * cores) does not turn that into a failure. "Never before the deadline" is
 * never relaxed.
 */
const INTERVAL_MS = 5;

export class SchedulingWitness {
  private worst = 0;
  private last = performance.now();
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => {
      const now = performance.now();
      this.worst = Math.max(this.worst, now - this.last - INTERVAL_MS);
      this.last = now;
    }, INTERVAL_MS);
  }

  /** The worst lateness seen so far (ms, >= 0). */
  get maxLateMs(): number {
    return Math.max(0, this.worst);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
