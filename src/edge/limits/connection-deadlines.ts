import type { Clock } from '../../monitor/clock.js';

interface Deadline<T> {
  at: number;
  item: T;
}

/**
 * "Close this connection at time T" for many connections under one timer:
 * a binary min-heap on T (clock ms), the timer armed at the root.
 *
 * Layout: one array of {at, item} nodes, heap-ordered by `at`; about 40
 * bytes per entry. Costs: add O(log n), each due entry O(log n) to pop;
 * a connection that closes early is not removed (that would need an index
 * per entry): its entry pops at its time and `due` skips it, so the heap
 * holds at most one entry per connection opened within the longest
 * deadline, whatever the traffic shape. Used for token expiry and
 * --max-lifetime-ms, both set once per connection.
 */
export class ConnectionDeadlines<T> {
  private readonly heap: Deadline<T>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Infinity;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    /** Called for each entry whose time has come, in time order. */
    private readonly due: (item: T) => void,
  ) {}

  get size(): number {
    return this.heap.length;
  }

  add(item: T, at: number): void {
    if (this.stopped) return;
    const heap = this.heap;
    heap.push({ at, item });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].at <= heap[i].at) break;
      [heap[parent], heap[i]] = [heap[i], heap[parent]];
      i = parent;
    }
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.heap.length = 0;
  }

  private arm(): void {
    const first = this.heap[0];
    if (first === undefined || first.at >= this.armedAt) return;
    clearTimeout(this.timer);
    this.armedAt = first.at;
    // Whole ms, rounded up: never early.
    this.timer = setTimeout(() => this.fire(), Math.max(0, Math.ceil(first.at - this.clock.now())));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.armedAt = Infinity;
    const now = this.clock.now();
    while (this.heap.length > 0 && this.heap[0].at <= now) this.due(this.pop().item);
    this.arm();
  }

  private pop(): Deadline<T> {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop() as Deadline<T>;
    if (heap.length === 0) return top;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && heap[l].at < heap[m].at) m = l;
      if (r < heap.length && heap[r].at < heap[m].at) m = r;
      if (m === i) return top;
      [heap[m], heap[i]] = [heap[i], heap[m]];
      i = m;
    }
  }
}
