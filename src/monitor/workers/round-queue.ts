/**
 * Rounds (timer sweeps, check, status) run one at a time, in call order.
 * With none in flight, a round starts (lends its shards) within the call,
 * so it sees exactly the operations issued before it; otherwise also those
 * issued while it waited. O(1) per round; no timer, no polling.
 */
export class RoundQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private inFlight = 0;

  /** `afterEach`: runs as each round ends, failed or not (the monitor re-arms its timer there). */
  constructor(private readonly afterEach: () => void) {}

  /** No round running or waiting. */
  get idle(): boolean {
    return this.inFlight === 0;
  }

  run<T>(round: () => Promise<T>): Promise<T> {
    const started = ++this.inFlight === 1 ? round() : this.tail.then(round);
    const done = started.finally(() => {
      this.inFlight--;
      this.afterEach();
    });
    this.tail = done.catch(() => undefined);
    return done;
  }

  /** Settles when every round queued so far has ended. */
  drained(): Promise<unknown> {
    return this.tail;
  }
}
