/**
 * Fixed-size client slots in pages of SharedArrayBuffers.
 *
 * A slot is a small integer; its fields live in two column-interleaved
 * arrays per page of PAGE_SIZE slots:
 *
 *   int32 page, I32_STRIDE (10) ints per slot       float64 page, 2 per slot
 *   +---------+---------+----------+----------+      +-----------+---------+
 *   | EXP_PREV| EXP_NEXT| PING_PREV| PING_NEXT| ...  | LAST_SEEN | REG_SEQ |
 *   +---------+---------+----------+----------+      +-----------+---------+
 *   ... ORDER_PREV | ORDER_NEXT | EXP_LIST | PING_LIST | STATE | GEN
 *
 * 40 + 16 = 56 bytes per slot. The three prev/next pairs are the intrusive
 * links of the three lists a live client sits in (its expiry list, its ping
 * list, the shard's registration order); a free slot reuses EXP_NEXT as the
 * free-list link. GEN counts the lives of the slot so that a handle kept by
 * a transport cannot touch the slot's next occupant.
 *
 * Why pages: growing never copies. A new page is one allocation of
 * PAGE_SIZE * 56 bytes (about 0.45 MiB), so capacity grows in O(1) without a
 * stop-the-world copy of every slot, and a worker that already holds the
 * old pages only needs to be handed the new one. The cost is one extra
 * array index per access (`pages[slot >>> PAGE_SHIFT]`).
 *
 * Shard-wide scalars (free-list head, live count, slots ever handed out)
 * sit in `header`, also shared, so the whole state survives the thread that
 * last touched it.
 */
// 8192 slots a page: the unused tail of the last page stays small (at 100k
// clients, 59.6 bytes per client in shared memory against 64.2 with 16384),
// while a worker task still carries few buffers (2 per page: 246 at 1M clients).
export const PAGE_SHIFT = 13;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_MASK = PAGE_SIZE - 1;

export const I32_STRIDE = 10;
export const EXP_PREV = 0;
export const EXP_NEXT = 1;
export const PING_PREV = 2;
export const PING_NEXT = 3;
export const ORDER_PREV = 4;
export const ORDER_NEXT = 5;
export const EXP_LIST = 6;
export const PING_LIST = 7;
export const STATE = 8;
export const GEN = 9;

export const F64_STRIDE = 2;
export const LAST_SEEN = 0;
export const REG_SEQ = 1;

/** STATE bits. */
export const LIVE = 1;
/** The client was pinged in its current silence; it is out of its ping list. */
export const PINGED = 2;

/** "No slot": the end of a list. */
export const NIL = -1;

const H_FREE_HEAD = 0;
const H_SIZE = 1;
const H_HIGH_WATER = 2;
const HEADER_INTS = 4;

/** Handles pack (generation, slot) into one float64-safe integer. */
const HANDLE_SLOT_SPACE = 2 ** 26;
export const MAX_SLOTS = HANDLE_SLOT_SPACE;

export interface SlotBuffers {
  header: SharedArrayBuffer;
  i32Pages: SharedArrayBuffer[];
  f64Pages: SharedArrayBuffer[];
}

export class SlotStore {
  readonly header: Int32Array;
  readonly i32Pages: Int32Array[] = [];
  readonly f64Pages: Float64Array[] = [];

  constructor(buffers?: SlotBuffers) {
    if (!buffers) {
      this.header = new Int32Array(new SharedArrayBuffer(HEADER_INTS * 4));
      this.header[H_FREE_HEAD] = NIL;
      return;
    }
    this.header = new Int32Array(buffers.header);
    this.adoptPages(buffers);
  }

  buffers(): SlotBuffers {
    return {
      header: this.header.buffer as SharedArrayBuffer,
      i32Pages: this.i32Pages.map((p) => p.buffer as SharedArrayBuffer),
      f64Pages: this.f64Pages.map((p) => p.buffer as SharedArrayBuffer),
    };
  }

  /** Picks up pages another thread added since this view was made. */
  adoptPages(buffers: SlotBuffers): void {
    for (let i = this.i32Pages.length; i < buffers.i32Pages.length; i++) {
      this.i32Pages.push(new Int32Array(buffers.i32Pages[i]));
      this.f64Pages.push(new Float64Array(buffers.f64Pages[i]));
    }
  }

  get size(): number {
    return this.header[H_SIZE];
  }

  /** Bytes held in SharedArrayBuffers for slots. */
  get sharedBytes(): number {
    return this.i32Pages.length * PAGE_SIZE * (I32_STRIDE * 4 + F64_STRIDE * 8) + HEADER_INTS * 4;
  }

  /** Takes a free slot (reusing expired ones first), marks it live. */
  alloc(): number {
    let slot = this.header[H_FREE_HEAD];
    if (slot !== NIL) {
      this.header[H_FREE_HEAD] = this.i32(slot, EXP_NEXT);
    } else {
      slot = this.header[H_HIGH_WATER]++;
      if (slot >= MAX_SLOTS) throw new RangeError(`shard is full (${MAX_SLOTS} slots)`);
      if (slot >>> PAGE_SHIFT >= this.i32Pages.length) this.addPage();
    }
    this.header[H_SIZE]++;
    this.setI32(slot, STATE, LIVE);
    return slot;
  }

  /** Returns a slot to the free list and ends its current life. */
  free(slot: number): void {
    this.setI32(slot, STATE, 0);
    this.setI32(slot, GEN, (this.i32(slot, GEN) + 1) % HANDLE_SLOT_SPACE);
    this.setI32(slot, EXP_NEXT, this.header[H_FREE_HEAD]);
    this.header[H_FREE_HEAD] = slot;
    this.header[H_SIZE]--;
  }

  /** Slots ever handed out (the rest of the pages is untouched). */
  get highWater(): number {
    return this.header[H_HIGH_WATER];
  }

  /**
   * Crash repair: every slot below the high-water mark that `isLive` rejects
   * is put back on the free list and starts a new life (GEN + 1, so that no
   * handle of an earlier life reaches its next occupant).
   */
  rebuildFreeList(isLive: (slot: number) => boolean): void {
    let size = 0;
    this.header[H_FREE_HEAD] = NIL;
    for (let slot = this.header[H_HIGH_WATER] - 1; slot >= 0; slot--) {
      if (isLive(slot)) {
        size++;
        continue;
      }
      this.setI32(slot, STATE, 0);
      this.setI32(slot, GEN, (this.i32(slot, GEN) + 1) % HANDLE_SLOT_SPACE);
      this.setI32(slot, EXP_NEXT, this.header[H_FREE_HEAD]);
      this.header[H_FREE_HEAD] = slot;
    }
    this.header[H_SIZE] = size;
  }

  i32(slot: number, col: number): number {
    return this.i32Pages[slot >>> PAGE_SHIFT][(slot & PAGE_MASK) * I32_STRIDE + col];
  }

  setI32(slot: number, col: number, value: number): void {
    this.i32Pages[slot >>> PAGE_SHIFT][(slot & PAGE_MASK) * I32_STRIDE + col] = value;
  }

  f64(slot: number, col: number): number {
    return this.f64Pages[slot >>> PAGE_SHIFT][(slot & PAGE_MASK) * F64_STRIDE + col];
  }

  setF64(slot: number, col: number, value: number): void {
    this.f64Pages[slot >>> PAGE_SHIFT][(slot & PAGE_MASK) * F64_STRIDE + col] = value;
  }

  isLive(slot: number): boolean {
    return (this.i32(slot, STATE) & LIVE) !== 0;
  }

  handleOf(slot: number): number {
    return this.i32(slot, GEN) * HANDLE_SLOT_SPACE + slot;
  }

  /** The slot a handle names, or NIL if that life has ended. */
  slotOfHandle(handle: number): number {
    const slot = handle % HANDLE_SLOT_SPACE;
    if (slot < 0 || slot >= this.header[H_HIGH_WATER]) return NIL;
    const gen = (handle - slot) / HANDLE_SLOT_SPACE;
    return this.i32(slot, GEN) === gen && this.isLive(slot) ? slot : NIL;
  }

  private addPage(): void {
    this.i32Pages.push(new Int32Array(new SharedArrayBuffer(PAGE_SIZE * I32_STRIDE * 4)));
    this.f64Pages.push(new Float64Array(new SharedArrayBuffer(PAGE_SIZE * F64_STRIDE * 8)));
  }
}
