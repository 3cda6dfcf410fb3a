/**
 * An indexed binary min-heap of small integer items (list ids) keyed by a
 * float64 time, living in SharedArrayBuffers.
 *
 * Layout (all SharedArrayBuffer-backed, so a worker can peek or operate on
 * the same heap without copying):
 *   keys[i]  Float64  the key of the item at heap position i
 *   items[i] Int32    the item at heap position i
 *   pos[id]  Int32    heap position of item `id`, or -1 when absent
 *   meta[0]  Int32    number of items in the heap
 *
 * Costs: peek O(1); insert, remove and re-key O(log d) where d is the number
 * of items. keepwatch keeps one item per *distinct duration* here (see
 * shard.ts), so d is usually a handful and every operation is a few steps.
 *
 * Growth doubles the arrays (a copy of 12 bytes per item); it happens only
 * when a new distinct duration appears, never on the heartbeat path.
 */
export interface HeapBuffers {
  keys: SharedArrayBuffer;
  items: SharedArrayBuffer;
  pos: SharedArrayBuffer;
  meta: SharedArrayBuffer;
}

export class DeadlineHeap {
  private keys: Float64Array;
  private items: Int32Array;
  private pos: Int32Array;
  private readonly meta: Int32Array;

  constructor(capacity = 16, buffers?: HeapBuffers) {
    if (buffers) {
      this.keys = new Float64Array(buffers.keys);
      this.items = new Int32Array(buffers.items);
      this.pos = new Int32Array(buffers.pos);
      this.meta = new Int32Array(buffers.meta);
      return;
    }
    this.keys = new Float64Array(new SharedArrayBuffer(capacity * 8));
    this.items = new Int32Array(new SharedArrayBuffer(capacity * 4));
    this.pos = new Int32Array(new SharedArrayBuffer(capacity * 4)).fill(-1);
    this.meta = new Int32Array(new SharedArrayBuffer(4));
  }

  buffers(): HeapBuffers {
    return {
      keys: this.keys.buffer as SharedArrayBuffer,
      items: this.items.buffer as SharedArrayBuffer,
      pos: this.pos.buffer as SharedArrayBuffer,
      meta: this.meta.buffer as SharedArrayBuffer,
    };
  }

  get size(): number {
    return this.meta[0];
  }

  /** Empties the heap. */
  reset(): void {
    this.meta[0] = 0;
    this.pos.fill(-1);
  }

  /** The smallest key, or +Infinity when empty. */
  peekKey(): number {
    return this.meta[0] === 0 ? Infinity : this.keys[0];
  }

  /** The item with the smallest key, or -1 when empty. */
  peekItem(): number {
    return this.meta[0] === 0 ? -1 : this.items[0];
  }

  has(item: number): boolean {
    return item < this.pos.length && this.pos[item] >= 0;
  }

  /** Inserts `item`, or re-keys it if present. */
  set(item: number, key: number): void {
    if (this.has(item)) {
      this.rekey(item, key);
      return;
    }
    this.ensureItemCapacity(item + 1);
    const i = this.meta[0]++;
    this.ensureHeapCapacity(i + 1);
    this.keys[i] = key;
    this.items[i] = item;
    this.pos[item] = i;
    this.siftUp(i);
  }

  remove(item: number): void {
    if (!this.has(item)) return;
    const i = this.pos[item];
    const last = --this.meta[0];
    this.pos[item] = -1;
    if (i === last) return;
    this.place(i, this.items[last], this.keys[last]);
    this.restore(i);
  }

  private rekey(item: number, key: number): void {
    const i = this.pos[item];
    this.keys[i] = key;
    this.restore(i);
  }

  private restore(i: number): void {
    if (i > 0 && this.keys[i] < this.keys[(i - 1) >> 1]) this.siftUp(i);
    else this.siftDown(i);
  }

  private place(i: number, item: number, key: number): void {
    this.items[i] = item;
    this.keys[i] = key;
    this.pos[item] = i;
  }

  private siftUp(i: number): void {
    const item = this.items[i];
    const key = this.keys[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.keys[parent] <= key) break;
      this.place(i, this.items[parent], this.keys[parent]);
      i = parent;
    }
    this.place(i, item, key);
  }

  private siftDown(i: number): void {
    const n = this.meta[0];
    const item = this.items[i];
    const key = this.keys[i];
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.keys[child + 1] < this.keys[child]) child++;
      if (this.keys[child] >= key) break;
      this.place(i, this.items[child], this.keys[child]);
      i = child;
    }
    this.place(i, item, key);
  }

  private ensureHeapCapacity(n: number): void {
    if (n <= this.keys.length) return;
    const cap = Math.max(n, this.keys.length * 2);
    this.keys = grow(this.keys, cap, Float64Array);
    this.items = grow(this.items, cap, Int32Array);
  }

  private ensureItemCapacity(n: number): void {
    if (n <= this.pos.length) return;
    const old = this.pos.length;
    this.pos = grow(this.pos, Math.max(n, old * 2), Int32Array);
    this.pos.fill(-1, old);
  }
}

type TypedCtor<T> = new (buffer: SharedArrayBuffer) => T;

/** Copies `array` into a new SharedArrayBuffer of `length` elements. */
export function grow<T extends Int32Array | Float64Array>(array: T, length: number, Ctor: TypedCtor<T>): T {
  const next = new Ctor(new SharedArrayBuffer(length * array.BYTES_PER_ELEMENT));
  next.set(array);
  return next;
}
