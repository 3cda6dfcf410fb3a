import type { HeldCount } from '../held-count.js';

/** What is counted process-wide, one Int32 cell each per row. */
export enum ProcessCounter {
  /** Concurrent GET /status streams (--max-status-requests). */
  StatusStreams = 0,
  /** Clients registered (--max-clients). */
  Clients = 1,
}
const COUNTERS = 2;

/**
 * The counts behind the caps that --threads N must not split per thread,
 * kept by every I/O thread in one SharedArrayBuffer the supervisor owns.
 * A thread also keeps what it added in its own ledger row; when a thread
 * has exited (failed, even without closing its sockets), the supervisor
 * takes its ledger back from the totals (`repair`), so a dead thread's
 * clients and streams do not hold the caps.
 *
 * LAYOUT: Int32Array of (1 + ledgers) rows of COUNTERS cells: row 0 the
 * totals, row 1 + L ledger L. COSTS: acquire is a compare-and-swap loop on
 * one total (retried only when another thread changed it meanwhile), add
 * and release two atomic adds; nothing on the heartbeat path. A few
 * hundred bytes for any number of threads.
 */
export class ProcessCounters {
  /** The shared buffer for `ledgers` threads alive at once (running, spare, and failing ones still closing). */
  static create(ledgers: number): SharedArrayBuffer {
    return new SharedArrayBuffer((1 + ledgers) * COUNTERS * Int32Array.BYTES_PER_ELEMENT);
  }

  /** Thread with ledger `ledger`'s view of `counter`, bounded by `max`. */
  static count(buffer: SharedArrayBuffer, ledger: number, counter: ProcessCounter, max: number): HeldCount {
    return new ProcessHeldCount(new Int32Array(buffer), COUNTERS * (1 + ledger) + counter, counter, max);
  }

  /** After the thread with ledger `ledger` has exited: what it held leaves the totals, and the ledger is empty for another. */
  static repair(buffer: SharedArrayBuffer, ledger: number): void {
    const cells = new Int32Array(buffer);
    for (let c = 0; c < COUNTERS; c++) {
      const at = COUNTERS * (1 + ledger) + c;
      Atomics.sub(cells, c, Atomics.exchange(cells, at, 0));
    }
  }
}

class ProcessHeldCount implements HeldCount {
  constructor(
    private readonly cells: Int32Array,
    private readonly own: number,
    private readonly total: number,
    private readonly max: number,
  ) {}

  get held(): number {
    return Atomics.load(this.cells, this.total);
  }

  get full(): boolean {
    return this.held >= this.max;
  }

  tryAcquire(): boolean {
    for (;;) {
      const held = Atomics.load(this.cells, this.total);
      if (held >= this.max) return false;
      if (Atomics.compareExchange(this.cells, this.total, held, held + 1) === held) break;
    }
    Atomics.add(this.cells, this.own, 1);
    return true;
  }

  add(): void {
    Atomics.add(this.cells, this.total, 1);
    Atomics.add(this.cells, this.own, 1);
  }

  release(): void {
    Atomics.sub(this.cells, this.total, 1);
    Atomics.sub(this.cells, this.own, 1);
  }
}
