import { grow } from './deadline-heap.js';
import { NIL, SlotStore } from './slot-store.js';

/**
 * Doubly linked FIFO lists threaded through the slots (intrusive links), and
 * the table of list heads and tails, in a SharedArrayBuffer.
 *
 * Table row per list (LIST_STRIDE ints): HEAD, TAIL, DURATION, KIND, USERS.
 * USERS counts the slots assigned to the list, linked or not (a pinged
 * client stays assigned to its ping list while out of it), so a list is
 * retired only when nobody can come back to it.
 * A slot is linked into at most one list of each kind; the kind picks the
 * pair of link columns in the slot (EXPIRY -> EXP_PREV/EXP_NEXT, and so on),
 * so append and unlink are O(1) and allocate nothing.
 *
 * A retired list's row is reused: its HEAD field links the free rows.
 */
export const EXPIRY = 0;
export const PING = 1;
export const ORDER = 2;
export type ListKind = typeof EXPIRY | typeof PING | typeof ORDER;

const HEAD = 0;
const TAIL = 1;
const DURATION = 2;
const KIND = 3;
const USERS = 4;
const LIST_STRIDE = 5;

/** KIND of a retired row, so that another thread's retirements can be seen. */
const RETIRED = -1;

const M_HIGH_WATER = 0;
const M_FREE_HEAD = 1;

export interface ListBuffers {
  table: SharedArrayBuffer;
  meta: SharedArrayBuffer;
}

export class ListTable {
  private table: Int32Array;
  private readonly meta: Int32Array;

  constructor(
    private readonly slots: SlotStore,
    buffers?: ListBuffers,
  ) {
    if (buffers) {
      this.table = new Int32Array(buffers.table);
      this.meta = new Int32Array(buffers.meta);
      return;
    }
    this.table = new Int32Array(new SharedArrayBuffer(16 * LIST_STRIDE * 4));
    this.meta = new Int32Array(new SharedArrayBuffer(8));
    this.meta[M_FREE_HEAD] = NIL;
  }

  buffers(): ListBuffers {
    return { table: this.table.buffer as SharedArrayBuffer, meta: this.meta.buffer as SharedArrayBuffer };
  }

  /** Adopts a table another thread grew. */
  adopt(buffers: ListBuffers): void {
    if (buffers.table !== this.table.buffer) this.table = new Int32Array(buffers.table);
  }

  create(kind: ListKind, duration: number): number {
    let list = this.meta[M_FREE_HEAD];
    if (list !== NIL) {
      this.meta[M_FREE_HEAD] = this.table[list * LIST_STRIDE + HEAD];
    } else {
      list = this.meta[M_HIGH_WATER]++;
      if ((list + 1) * LIST_STRIDE > this.table.length) {
        this.table = grow(this.table, this.table.length * 2, Int32Array);
      }
    }
    const row = list * LIST_STRIDE;
    this.table[row + HEAD] = NIL;
    this.table[row + TAIL] = NIL;
    this.table[row + DURATION] = duration;
    this.table[row + KIND] = kind;
    this.table[row + USERS] = 0;
    return list;
  }

  retire(list: number): void {
    this.table[list * LIST_STRIDE + HEAD] = this.meta[M_FREE_HEAD];
    this.table[list * LIST_STRIDE + TAIL] = NIL;
    this.table[list * LIST_STRIDE + KIND] = RETIRED;
    this.meta[M_FREE_HEAD] = list;
  }

  isRetired(list: number): boolean {
    return this.table[list * LIST_STRIDE + KIND] === RETIRED;
  }

  /** Forgets every list (crash repair rebuilds them). */
  reset(): void {
    this.meta[M_HIGH_WATER] = 0;
    this.meta[M_FREE_HEAD] = NIL;
  }

  /** Counts one more slot assigned to the list. */
  addUser(list: number): void {
    this.table[list * LIST_STRIDE + USERS]++;
  }

  /** Counts one slot fewer; returns how many remain. */
  dropUser(list: number): number {
    return --this.table[list * LIST_STRIDE + USERS];
  }

  users(list: number): number {
    return this.table[list * LIST_STRIDE + USERS];
  }

  head(list: number): number {
    return this.table[list * LIST_STRIDE + HEAD];
  }

  tail(list: number): number {
    return this.table[list * LIST_STRIDE + TAIL];
  }

  duration(list: number): number {
    return this.table[list * LIST_STRIDE + DURATION];
  }

  kind(list: number): ListKind {
    return this.table[list * LIST_STRIDE + KIND] as ListKind;
  }

  /** The slot after `slot` in its list of `kind`. */
  next(kind: ListKind, slot: number): number {
    return this.slots.i32(slot, kind * 2 + 1);
  }

  append(list: number, kind: ListKind, slot: number): void {
    const row = list * LIST_STRIDE;
    const tail = this.table[row + TAIL];
    this.slots.setI32(slot, kind * 2, tail);
    this.slots.setI32(slot, kind * 2 + 1, NIL);
    if (tail === NIL) this.table[row + HEAD] = slot;
    else this.slots.setI32(tail, kind * 2 + 1, slot);
    this.table[row + TAIL] = slot;
  }

  unlink(list: number, kind: ListKind, slot: number): void {
    const row = list * LIST_STRIDE;
    const prev = this.slots.i32(slot, kind * 2);
    const next = this.slots.i32(slot, kind * 2 + 1);
    if (prev === NIL) this.table[row + HEAD] = next;
    else this.slots.setI32(prev, kind * 2 + 1, next);
    if (next === NIL) this.table[row + TAIL] = prev;
    else this.slots.setI32(next, kind * 2, prev);
  }

  /**
   * Cuts the list just before `slot` (NIL: empties it). The cut-off prefix
   * must already have been dealt with by the caller.
   */
  dropBefore(list: number, kind: ListKind, slot: number): void {
    const row = list * LIST_STRIDE;
    this.table[row + HEAD] = slot;
    if (slot === NIL) this.table[row + TAIL] = NIL;
    else this.slots.setI32(slot, kind * 2, NIL);
  }
}
