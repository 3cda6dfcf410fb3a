import type { Clock } from '../clock.js';
import { DeadlineTimer } from '../deadline-timer.js';

/**
 * The worker monitor's timer: armed at the earliest deadline after every
 * round and by any operation that moves one earlier. When it fires, its
 * sweep waits its turn in the round queue (a stream of status rounds
 * delays it by one round, never indefinitely); until that sweep starts,
 * nothing re-arms, so a flood of rounds queues one sweep, not many. The
 * sweep runs at the read horizon it was given, however late it starts: an
 * earlier horizon is still one (input-horizon.ts), so a round that ends in
 * the middle of a poll phase cannot start a sweep at a time whose input
 * has not been read yet.
 */
export class SweepTimer {
  private readonly timer: DeadlineTimer;
  /** A timer sweep waits in the round queue. */
  private queued = false;
  private closed = false;

  constructor(
    clock: Clock,
    /** False: never armed (the stdio node on its virtual clock sweeps only at ka_check). */
    private readonly enabled: boolean,
    /** Queues the sweep at `readUpTo`; it calls `starting` as it starts. */
    private readonly queueSweep: (readUpTo: number, starting: () => void) => Promise<void>,
    observeLag: (lagMs: number) => void,
  ) {
    this.timer = new DeadlineTimer(clock, (readUpTo) => this.fire(readUpTo), observeLag);
  }

  /** Arms the timer for `at` if that is earlier than it is armed for. */
  armAt(at: number): void {
    if (this.closed || !this.enabled || this.queued) return;
    this.timer.arm(at);
  }

  close(): void {
    this.closed = true;
    this.timer.cancel();
  }

  private fire(readUpTo: number): void {
    if (this.closed) return;
    this.queued = true;
    this.queueSweep(readUpTo, () => {
      this.queued = false;
    }).catch((error: unknown) => {
      process.emitWarning(`keepwatch: a timer sweep failed: ${(error as Error).message}`);
    });
  }
}
