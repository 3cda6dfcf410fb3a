/**
 * A bound on things held at once (concurrent /status streams, clients):
 * counted by this thread alone (LocalHeldCount), or process-wide with
 * --threads N (threads/process-counters.ts), so that N threads do not
 * each allow the whole bound.
 */
export interface HeldCount {
  readonly held: number;
  /** Takes one if fewer than the bound are held; false (nothing taken) at the bound. */
  tryAcquire(): boolean;
  /** Counts one more whatever the bound (checked earlier, with `full`). */
  add(): void;
  release(): void;
  /** Whether the bound is reached. */
  readonly full: boolean;
}

/** A HeldCount of this thread only: a number. */
export class LocalHeldCount implements HeldCount {
  held = 0;

  constructor(private readonly max: number) {}

  get full(): boolean {
    return this.held >= this.max;
  }

  tryAcquire(): boolean {
    if (this.full) return false;
    this.held++;
    return true;
  }

  add(): void {
    this.held++;
  }

  release(): void {
    this.held--;
  }
}
