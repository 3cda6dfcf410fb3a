/**
 * Fixed-size client slots in pages of SharedArrayBuffers.
 *
 * LAYOUT
 *
 * A slot is a small integer; its 56 bytes of fields are split in two
 * records, each in its own page (PAGE_SIZE slots a page): the hot record,
 * all a heartbeat reads or writes, and the cold record, what only a sweep,
 * a registration, a heartbeat near its deadline or a walk of the order
 * touches:
 *
 *   hot: int32 words 0..1 (8 bytes, 8 to a cache line)
 *   +------+-------+
 *   | BEAT | STATE |
 *   +------+-------+
 *   STATE: bits 31..9 GEN, 8..3 TBOUND, 2 (spare), 1 PINGED, 0 LIVE
 *   cold: int32 words 0..5, float64 words 3..5 (48 bytes)
 *   +------+------+------+------+---------+----------+ +---------+------+-------+
 *   |W_NEXT|W_PREV|O_NEXT|O_PREV| TIMEOUT | INTERVAL | | REG_SEQ | SEEN | FILED |
 *   +------+------+------+------+---------+----------+ +---------+------+-------+
 *
 *   BEAT      last_seen mod 2^32, the only field another thread may write
 *             (shared-beat.ts holds the rule); a heartbeat is one store here
 *   GEN       counts the lives of the slot (mod 2^23) so a handle of an
 *             earlier life cannot touch the next occupant
 *   TBOUND    a lower bound of TIMEOUT (timeoutBound: at least 2/3 of it),
 *             so a heartbeat can tell it is not near its deadline from the
 *             hot record alone
 *   LIVE      the slot holds a client; PINGED: it was pinged in the silence
 *             that began at SEEN
 *   TIMEOUT, INTERVAL   the client's settings (ms)
 *   W_NEXT/W_PREV       links of the timing-wheel bucket it is filed in;
 *                       while the slot is free, W_NEXT links the free list
 *                       and W_PREV is FREE (a wheel link never is: those
 *                       are slots or bucket sentinels <= -2)
 *   O_NEXT/O_PREV       links of the registration order (see ORDER); OUT
 *                       in O_NEXT: a free slot no longer in it
 *   REG_SEQ   registration sequence (float64: a long-running server exceeds 2^31)
 *   SEEN      the latest last_seen the sweeping thread has read (absolute ms);
 *             the reference BEAT is unwrapped against
 *   FILED     the time the slot is filed at in the wheel
 *
 * Why two records: a heartbeat in random order touches one 8-byte record
 * (one cache line, never two), and the hot records of 100,000 clients are
 * 800 KB, not the 5.6 MB of whole slots, so they fit a 1 MB L2 cache (at
 * 16 bytes, with TIMEOUT and INTERVAL in it, they did not): it checks the
 * handle's life (STATE), whether the client may be past its deadline (BEAT
 * against TBOUND; the cold TIMEOUT only when the bound says maybe) and
 * stores BEAT, all there. A sweep touches both. 56 bytes in all: a million
 * clients stay under 64 bytes each in shared memory with the last page's
 * unused tail.
 *
 * ORDER
 *
 * The registration order is a doubly linked list of the live slots and of
 * released slots not yet taken out of it. A release only marks the slot
 * free (W_PREV, in the line the release writes anyway): unlinking it there
 * would write the cold records of its two neighbours in the order, random
 * slots, two cache misses per expired client in the sweep. It is unlinked
 * later, once, by whichever comes first: the registration that reuses the
 * slot (alloc), or a walk of the order that passes it (firstInOrder and
 * nextInOrder skip and unlink free slots; a walk reads that W_PREV in the
 * line it reads O_NEXT from, so skipping costs no extra line). So every
 * released slot is passed over by walks at most once: a walk costs O(1)
 * per live client plus O(1) per slot released since the last walk and not
 * yet reused, and all walks together O(1) per client walked plus O(1) per
 * release. A single walk can meet up to (slots ever taken - live) released
 * slots, as after a mass expiry with no walk since: the first walk pays
 * for them, once.
 *
 * Why pages: growing never copies. A new page is two allocations (64 KiB
 * hot, 384 KiB cold), so capacity grows in O(1) without a stop-the-world
 * copy, and a worker holding the old pages only needs the new ones. The
 * cost is one array index per access (`pages[slot >>> PAGE_SHIFT]`).
 *
 * Shard-wide scalars (free-list head, live count, slots ever handed out, the
 * registration order's ends) sit in `header`, also shared, so the whole state
 * survives the thread that last touched it.
 *
 * WHO WRITES WHAT: GEN is written only by `alloc` (the owning thread); a
 * release (expiry or removal, by whichever thread sweeps) clears LIVE and
 * never touches GEN, so a crash repair that finds the client still indexed
 * can make it live again and every handle of it stays valid. TIMEOUT,
 * INTERVAL and TBOUND are written together by `setDurations` (registration).
 */
// 8192 slots a page: the unused tail of the last page stays small (at 1M
// clients, 56.4 bytes per client in shared memory), while a worker task
// still carries few buffers (two per page: 246 at 1M clients).
export const PAGE_SHIFT = 13;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_MASK = PAGE_SIZE - 1;

/** A column of the hot record (int32 words) and of the cold one (int32 or float64 words): distinct types, so one is never read as the other. */
export type HotColumn = number & { readonly record: 'hot' };
export type ColdColumn = number & { readonly record: 'cold' };

/** Bytes per slot in each record, and the same in words. */
const HOT_BYTES = 8;
const COLD_BYTES = 48;
export const HOT_STRIDE = HOT_BYTES / 4;
const COLD_STRIDE = COLD_BYTES / 4;
/** A slot's float64 words start at slot * F64_STRIDE + column of the cold page's Float64Array. */
const F64_STRIDE = COLD_BYTES / 8;

// hot int32 columns
export const BEAT = 0 as HotColumn;
export const STATE = 1 as HotColumn;
// cold int32 columns
export const W_NEXT = 0 as ColdColumn;
export const W_PREV = 1 as ColdColumn;
const O_NEXT = 2 as ColdColumn;
const O_PREV = 3 as ColdColumn;
export const TIMEOUT = 4 as ColdColumn;
export const INTERVAL = 5 as ColdColumn;
// cold float64 columns (index into the slot's 6 float64 words; 0..2 are the int32 words above)
export const REG_SEQ = 3 as ColdColumn;
export const SEEN = 4 as ColdColumn;
export const FILED = 5 as ColdColumn;

/** STATE bits below TBOUND and the generation. */
export const LIVE = 1;
/** The client was pinged in the silence that began at SEEN. */
export const PINGED = 2;
const FLAG_BITS = 3;
const FLAGS = (1 << FLAG_BITS) - 1;
/** TBOUND: STATE bits 8..3, a code of timeoutBound. */
const TBOUND_BITS = 6;
const TBOUND_MASK = ((1 << TBOUND_BITS) - 1) << FLAG_BITS;
const GEN_SHIFT = FLAG_BITS + TBOUND_BITS;
/**
 * TBOUND code c -> the bound it stands for: 0 for c = 0, else the top two
 * significant bits of a timeout, (2 + m) * 2^e / 2 with e = (c - 1) >> 1,
 * m = (c - 1) & 1: 1, 1, 2, 3, 4, 6, 8, 12, ... 3 * 2^29 (c = 62). Every
 * timeout t >= 1 has a code whose bound is in (2t/3, t]: t in [2^e, 1.5 *
 * 2^e) gets 2^e, t in [1.5 * 2^e, 2^(e+1)) gets 1.5 * 2^e.
 */
const TBOUNDS = Int32Array.from({ length: 1 << TBOUND_BITS }, (_, c) => (c === 0 || c > 62 ? 0 : ((2 + ((c - 1) & 1)) * 2 ** ((c - 1) >> 1)) >>> 1));

/** "No slot": the end of a list. */
export const NIL = -1;
/** W_PREV of a free slot (see the header). */
const FREE = -1;
/** O_NEXT of a free slot that is no longer in the order (see ORDER). */
const OUT = -2;

const H_FREE_HEAD = 0;
const H_SIZE = 1;
const H_HIGH_WATER = 2;
const H_ORDER_HEAD = 3;
const H_ORDER_TAIL = 4;
const HEADER_INTS = 8;

/** Handles pack (generation, slot) into one float64-safe integer. */
const HANDLE_SLOT_SPACE = 2 ** 26;
// gen * 2^26 + slot stays below 2^49 (an exact float64), and gen << GEN_SHIFT fills the int32 (read back with >>>).
// A handle kept 2^23 lives of its slot later names a life again: transports drop a handle when its client ends.
const GEN_SPACE = 2 ** (32 - GEN_SHIFT);
const MAX_SLOTS = HANDLE_SLOT_SPACE;

export interface SlotBuffers {
  header: SharedArrayBuffer;
  /** Hot records, a page each. */
  hot: SharedArrayBuffer[];
  /** Cold records, a page each. */
  pages: SharedArrayBuffer[];
}

export class SlotStore {
  readonly header: Int32Array;
  /** Hot records, a page each. */
  readonly hotPages: Int32Array[] = [];
  /** Cold records, a page each, as int32 and as float64 words. */
  readonly i32Pages: Int32Array[] = [];
  readonly f64Pages: Float64Array[] = [];

  constructor(buffers?: SlotBuffers) {
    if (!buffers) {
      this.header = new Int32Array(new SharedArrayBuffer(HEADER_INTS * 4));
      this.header[H_FREE_HEAD] = NIL;
      this.header[H_ORDER_HEAD] = NIL;
      this.header[H_ORDER_TAIL] = NIL;
      return;
    }
    this.header = new Int32Array(buffers.header);
    this.adoptPages(buffers);
  }

  buffers(): SlotBuffers {
    return {
      header: this.header.buffer as SharedArrayBuffer,
      hot: this.hotPages.map((p) => p.buffer as SharedArrayBuffer),
      pages: this.i32Pages.map((p) => p.buffer as SharedArrayBuffer),
    };
  }

  /** Slots ever handed out: every live slot is below it. */
  get highWater(): number {
    return this.header[H_HIGH_WATER];
  }

  /** Picks up pages another thread added since this view was made. */
  adoptPages(buffers: SlotBuffers): void {
    for (let i = this.i32Pages.length; i < buffers.pages.length; i++) this.addView(buffers.hot[i], buffers.pages[i]);
  }

  get size(): number {
    return this.header[H_SIZE];
  }

  /** Bytes held in SharedArrayBuffers for slots. */
  get sharedBytes(): number {
    return this.i32Pages.length * PAGE_SIZE * (HOT_BYTES + COLD_BYTES) + HEADER_INTS * 4;
  }

  /**
   * Takes a free slot (reusing released ones first, out of the order where
   * they still are: see ORDER), starts its next life, appends it to the order.
   */
  alloc(): number {
    let slot = this.header[H_FREE_HEAD];
    if (slot !== NIL) {
      this.header[H_FREE_HEAD] = this.i32(slot, W_NEXT);
      if (this.i32(slot, O_NEXT) !== OUT) this.unlinkFromOrder(slot);
    } else {
      slot = this.header[H_HIGH_WATER]++;
      if (slot >= MAX_SLOTS) throw new RangeError(`shard is full (${MAX_SLOTS} slots)`);
      if (slot >>> PAGE_SHIFT >= this.i32Pages.length) this.addView(new SharedArrayBuffer(PAGE_SIZE * HOT_BYTES), new SharedArrayBuffer(PAGE_SIZE * COLD_BYTES));
    }
    const gen = ((this.hot(slot, STATE) >>> GEN_SHIFT) + 1) % GEN_SPACE;
    this.setHot(slot, STATE, (gen << GEN_SHIFT) | LIVE);
    this.header[H_SIZE]++;
    this.appendToOrder(slot);
    return slot;
  }

  /** The client's timeout and ping interval (ms), with TBOUND. */
  setDurations(slot: number, timeoutMs: number, pingIntervalMs: number): void {
    this.setI32(slot, TIMEOUT, timeoutMs);
    this.setI32(slot, INTERVAL, pingIntervalMs);
    this.setHot(slot, STATE, (this.hot(slot, STATE) & ~TBOUND_MASK) | (timeoutBoundCode(timeoutMs) << FLAG_BITS));
  }

  /**
   * Ends a life: onto the free list, marked free, left in the order (see
   * ORDER). Writes the slot's own records only. GEN is left alone (see the header).
   */
  release(slot: number): void {
    this.setHot(slot, STATE, this.hot(slot, STATE) & ~FLAGS);
    this.pushFree(slot);
    this.header[H_SIZE]--;
  }

  /**
   * First live slot in registration order, or NIL. Like nextInOrder, it
   * unlinks the free slots it passes (see ORDER): call it only from the
   * thread that holds the shard.
   */
  firstInOrder(): number {
    let slot = this.header[H_ORDER_HEAD];
    while (slot !== NIL && this.i32(slot, W_PREV) === FREE) slot = this.dropFromOrder(slot);
    return slot;
  }

  /** The live slot after `slot` (live) in registration order, or NIL; unlinks the free slots between. */
  nextInOrder(slot: number): number {
    let next = this.i32(slot, O_NEXT);
    while (next !== NIL && this.i32(next, W_PREV) === FREE) next = this.dropFromOrder(next);
    return next;
  }

  /**
   * Crash repair: `live` (in registration order) become the only live slots,
   * linked in that order; every other slot below the high-water mark is free.
   */
  rebuild(live: readonly number[]): void {
    const isLive = new Uint8Array(this.header[H_HIGH_WATER]);
    for (const slot of live) isLive[slot] = 1;
    this.header[H_FREE_HEAD] = NIL;
    this.header[H_ORDER_HEAD] = NIL;
    this.header[H_ORDER_TAIL] = NIL;
    for (let slot = this.header[H_HIGH_WATER] - 1; slot >= 0; slot--) {
      if (isLive[slot]) continue;
      this.setHot(slot, STATE, this.hot(slot, STATE) & ~FLAGS);
      this.pushFree(slot);
      this.setI32(slot, O_NEXT, OUT);
    }
    for (const slot of live) {
      this.setHot(slot, STATE, this.hot(slot, STATE) | LIVE);
      this.appendToOrder(slot);
    }
    this.header[H_SIZE] = live.length;
  }

  hot(slot: number, col: HotColumn): number {
    return this.hotPages[slot >>> PAGE_SHIFT][(slot & PAGE_MASK) * HOT_STRIDE + col];
  }

  setHot(slot: number, col: HotColumn, value: number): void {
    this.hotPages[slot >>> PAGE_SHIFT][(slot & PAGE_MASK) * HOT_STRIDE + col] = value;
  }

  i32(slot: number, col: ColdColumn): number {
    return this.i32Pages[slot >>> PAGE_SHIFT][(slot & PAGE_MASK) * COLD_STRIDE + col];
  }

  setI32(slot: number, col: ColdColumn, value: number): void {
    this.i32Pages[slot >>> PAGE_SHIFT][(slot & PAGE_MASK) * COLD_STRIDE + col] = value;
  }

  f64(slot: number, col: ColdColumn): number {
    return this.f64Pages[slot >>> PAGE_SHIFT][(slot & PAGE_MASK) * F64_STRIDE + col];
  }

  setF64(slot: number, col: ColdColumn, value: number): void {
    this.f64Pages[slot >>> PAGE_SHIFT][(slot & PAGE_MASK) * F64_STRIDE + col] = value;
  }

  isLive(slot: number): boolean {
    return (this.hot(slot, STATE) & LIVE) !== 0;
  }

  handleOf(slot: number): number {
    return (this.hot(slot, STATE) >>> GEN_SHIFT) * HANDLE_SLOT_SPACE + slot;
  }

  /** The slot a handle names, live or not, or NIL once a later life began. */
  slotOfLife(handle: number): number {
    const slot = slotOf(handle);
    if (slot >= this.header[H_HIGH_WATER]) return NIL;
    return (this.hot(slot, STATE) >>> GEN_SHIFT) * HANDLE_SLOT_SPACE + slot === handle ? slot : NIL;
  }

  /** The slot a handle names, or NIL if that life has ended. */
  slotOfHandle(handle: number): number {
    const slot = slotOf(handle);
    if (slot >= this.header[H_HIGH_WATER]) return NIL;
    return isLiveLife(this.hot(slot, STATE), slot, handle) ? slot : NIL;
  }

  private appendToOrder(slot: number): void {
    const tail = this.header[H_ORDER_TAIL];
    this.setI32(slot, O_PREV, tail);
    this.setI32(slot, O_NEXT, NIL);
    if (tail === NIL) this.header[H_ORDER_HEAD] = slot;
    else this.setI32(tail, O_NEXT, slot);
    this.header[H_ORDER_TAIL] = slot;
  }

  private pushFree(slot: number): void {
    this.setI32(slot, W_NEXT, this.header[H_FREE_HEAD]);
    this.setI32(slot, W_PREV, FREE);
    this.header[H_FREE_HEAD] = slot;
  }

  /** A walk passes free `slot`: out of the order for good (alloc then leaves the order alone); returns the slot after it. */
  private dropFromOrder(slot: number): number {
    const next = this.i32(slot, O_NEXT);
    this.unlinkFromOrder(slot);
    this.setI32(slot, O_NEXT, OUT);
    return next;
  }

  private unlinkFromOrder(slot: number): void {
    const prev = this.i32(slot, O_PREV);
    const next = this.i32(slot, O_NEXT);
    if (prev === NIL) this.header[H_ORDER_HEAD] = next;
    else this.setI32(prev, O_NEXT, next);
    if (next === NIL) this.header[H_ORDER_TAIL] = prev;
    else this.setI32(next, O_PREV, prev);
  }

  private addView(hot: SharedArrayBuffer, cold: SharedArrayBuffer): void {
    this.hotPages.push(new Int32Array(hot));
    this.i32Pages.push(new Int32Array(cold));
    this.f64Pages.push(new Float64Array(cold));
  }
}

/** The slot part of a handle (any number maps to some slot; the caller checks its bounds). */
export function slotOf(handle: number): number {
  return (handle >>> 0) & (HANDLE_SLOT_SPACE - 1);
}

/** Whether a STATE word shows `slot` live in the life `handle` names. */
export function isLiveLife(state: number, slot: number, handle: number): boolean {
  return (state & LIVE) !== 0 && (state >>> GEN_SHIFT) * HANDLE_SLOT_SPACE + slot === handle;
}

/** The TBOUND of a STATE word: a timeout at or below the client's (see TBOUNDS). */
export function timeoutBound(state: number): number {
  return TBOUNDS[(state & TBOUND_MASK) >>> FLAG_BITS];
}

/** The largest code whose bound is at or below `timeoutMs` (0 for a timeout below 1 ms). */
export function timeoutBoundCode(timeoutMs: number): number {
  if (!(timeoutMs >= 1)) return 0;
  // e = floor(log2 t) for t < 2^31; the code of 2^e is 2e + 1, of 1.5 * 2^e 2e + 2.
  const t = Math.min(timeoutMs, 2 ** 31 - 1);
  const e = 31 - Math.clz32(t);
  return t >= TBOUNDS[2 * e + 2] && e > 0 ? 2 * e + 2 : 2 * e + 1;
}
