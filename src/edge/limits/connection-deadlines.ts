import type { Clock } from '../../monitor/clock.js';

/**
 * "Close this connection at time T" for many connections under one timer:
 * a binary min-heap on T (clock ms), the timer armed at the root. One
 * instance per reason (token expiry, --max-lifetime-ms), so an entry is
 * the item alone.
 *
 * Layout: two parallel arrays, `at` (doubles, stored unboxed: 8 bytes an
 * entry) and `items` (a reference: 8 bytes), heap-ordered by `at`; no
 * object per entry. Costs: add O(log n), each due entry O(log n) to pop;
 * a connection that closes early is not removed (that would need an index
 * per entry): its entry pops at its time and `due` skips it, so the heap
 * holds at most one entry per connection opened within the longest
 * deadline, whatever the traffic shape.
 */
export class ConnectionDeadlines<T> {
  private readonly at: number[] = [];
  private readonly items: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Infinity;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    /** Called for each entry whose time has come, in time order. */
    private readonly due: (item: T) => void,
  ) {}

  get size(): number {
    return this.at.length;
  }

  add(item: T, at: number): void {
    if (this.stopped) return;
    this.at.push(at);
    this.items.push(item);
    this.siftUp(this.at.length - 1);
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.at.length = 0;
    this.items.length = 0;
  }

  private arm(): void {
    if (this.at.length === 0 || this.at[0] >= this.armedAt) return;
    clearTimeout(this.timer);
    this.armedAt = this.at[0];
    // Whole ms, rounded up: never early.
    this.timer = setTimeout(() => this.fire(), Math.max(0, Math.ceil(this.armedAt - this.clock.now())));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.armedAt = Infinity;
    const now = this.clock.now();
    while (this.at.length > 0 && this.at[0] <= now) this.due(this.pop());
    this.arm();
  }

  private swap(i: number, j: number): void {
    const { at, items } = this;
    [at[i], at[j]] = [at[j], at[i]];
    [items[i], items[j]] = [items[j], items[i]];
  }

  private siftUp(i: number): void {
    const at = this.at;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (at[parent] <= at[i]) return;
      this.swap(parent, i);
      i = parent;
    }
  }

  private pop(): T {
    const { at, items } = this;
    const top = items[0];
    const last = at.length - 1;
    this.swap(0, last);
    at.pop();
    items.pop();
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < at.length && at[l] < at[m]) m = l;
      if (r < at.length && at[r] < at[m]) m = r;
      if (m === i) return top;
      this.swap(m, i);
      i = m;
    }
  }
}
