import { FILED, NIL, type SlotStore, W_NEXT, W_PREV } from './slot-store.js';

/**
 * A hierarchical timing wheel of slots keyed by an integer time in ms
 * (Varghese and Lauck; the Linux kernel's timer wheel; Kafka's TimingWheel),
 * exact to the millisecond, in SharedArrayBuffers.
 *
 * LAYOUT
 *
 * LEVELS (7) levels of 256 buckets; level L holds times whose base-256
 * digits above L equal those of `cur` (the wheel's time) and whose digit L
 * is greater, so level 0 holds exact milliseconds of cur's 256 ms group,
 * level 1 the 256 ms groups of cur's 65.5 s group, and so on up to 2^56 ms.
 * Every time filed is >= cur.
 *
 *   links   Int32 [next, prev] per bucket: the sentinel of a circular doubly
 *           linked list threaded through the slots (W_NEXT, W_PREV); bucket
 *           b's sentinel is the id -(b + 2), so unlinking a slot needs no
 *           bucket number (which keeps slots at 56 bytes)
 *   bitmap  Int32, 8 words per level: bucket occupied, so "what is next"
 *           is a few word tests, never a walk over empty buckets
 *   meta    Float64: cur, the cached earliest time (NaN: unknown), whether
 *           a cascade is half done, the bucket being drained (-1: none),
 *           how many slots are filed, the latest time filed, and the state
 *           of a walk (see beginWalk)
 *
 * When cur enters a level-L bucket (L >= 1) that is only partly due, the
 * bucket is cascaded: its slots are filed again relative to the new cur,
 * into lower levels. A slot is cascaded at most once per level it crosses:
 * a slot filed t ms ahead moves at most ceil(log256 t) times (twice for
 * anything under 4.6 hours). A cascade may stop half-way when the caller's
 * budget runs out; the next call finishes it first (`pending`).
 *
 * A bucket whose last millisecond is already due is not cascaded but
 * drained: cur moves to that last millisecond and its slots are handed out
 * straight from its list, in the order they were filed (a sweep that comes
 * every few hundred ms hands most clients out this way, with no move at
 * all). So popDue's order is earliest first across buckets, and within a
 * drained bucket the order of filing: a slot is never handed out before
 * its time, but two due slots of one drained bucket may come out of time
 * order.
 *
 * COSTS (n filed slots, for any spread of times: they hold with every slot
 * at its own time, d = n distinct values)
 *
 *   file, unfile        O(1): a bucket number from a XOR and clz32, 4 links
 *   popDue              O(1) per slot handed out, + O(1) per cascade move
 *                       (each slot: at most one move per level crossed, above;
 *                       none for a slot handed out from a drained bucket)
 *   nextAt              O(1) when level 0 holds something from cur on;
 *                       otherwise one walk over the first occupied bucket of
 *                       the lowest level (then cached until it changes)
 *   memory              0 per slot here (links live in the slot); 21 KiB fixed
 */
const LEVELS = 7;
const DIGITS = 256;
const BUCKETS = LEVELS * DIGITS;
const WORDS_PER_LEVEL = DIGITS / 32;

const M_CUR = 0;
const M_MIN = 1;
const M_PENDING = 2;
const M_COUNT = 3;
const M_MAX = 4;
const M_WALK_FROM = 5;
const M_WALK_END = 6;
const M_WALK_AT = 7;
const M_DRAIN = 8;
const META_WORDS = 9;

const TWO_32 = 2 ** 32;
/** 256^L. */
const SPAN = Array.from({ length: LEVELS + 1 }, (_, l) => 2 ** (8 * l));

export interface WheelBuffers {
  links: SharedArrayBuffer;
  bitmap: SharedArrayBuffer;
  meta: SharedArrayBuffer;
}

export class TimingWheel {
  private readonly links: Int32Array;
  private readonly bitmap: Int32Array;
  private readonly meta: Float64Array;
  /** Slots popDue may still hand out or move before it stops (see `sweep(now, limit)`). */
  budget = Infinity;

  constructor(
    private readonly slots: SlotStore,
    buffers?: WheelBuffers,
  ) {
    if (buffers) {
      this.links = new Int32Array(buffers.links);
      this.bitmap = new Int32Array(buffers.bitmap);
      this.meta = new Float64Array(buffers.meta);
      return;
    }
    this.links = new Int32Array(new SharedArrayBuffer(BUCKETS * 2 * 4));
    this.bitmap = new Int32Array(new SharedArrayBuffer(LEVELS * WORDS_PER_LEVEL * 4));
    this.meta = new Float64Array(new SharedArrayBuffer(META_WORDS * 8));
    this.reset(0);
  }

  buffers(): WheelBuffers {
    return {
      links: this.links.buffer as SharedArrayBuffer,
      bitmap: this.bitmap.buffer as SharedArrayBuffer,
      meta: this.meta.buffer as SharedArrayBuffer,
    };
  }

  get size(): number {
    return this.meta[M_COUNT];
  }

  /** The wheel's time: everything filed is at or after it. */
  get cur(): number {
    return this.meta[M_CUR];
  }

  /** Empties the wheel and sets its time (crash repair refiles everything after). */
  reset(cur: number): void {
    for (let b = 0; b < BUCKETS; b++) {
      this.links[2 * b] = -(b + 2);
      this.links[2 * b + 1] = -(b + 2);
    }
    this.bitmap.fill(0);
    this.meta[M_CUR] = cur;
    this.meta[M_MIN] = NaN;
    this.meta[M_PENDING] = 0;
    this.meta[M_DRAIN] = -1;
    this.meta[M_COUNT] = 0;
    this.meta[M_MAX] = -Infinity;
    this.meta[M_WALK_AT] = NaN;
  }

  /** The latest time filed since the last reset (an upper bound: unfiling does not lower it). */
  get maxAt(): number {
    return this.meta[M_MAX];
  }

  /**
   * Empties the wheel at `now` because the owner will look at every slot in
   * [0, end) filed at or before `now` itself, in memory order (a walk: see
   * Shard.sweep). Until `walkDone`, nextAt says there is work now.
   */
  beginWalk(now: number, end: number): void {
    this.reset(now);
    this.meta[M_WALK_FROM] = 0;
    this.meta[M_WALK_END] = end;
    this.meta[M_WALK_AT] = now;
  }

  /** True while a walk is under way. */
  get walking(): boolean {
    return this.meta[M_WALK_AT] === this.meta[M_WALK_AT];
  }

  /** The walk's next slot, its end, and the time it began. */
  get walkFrom(): number {
    return this.meta[M_WALK_FROM];
  }

  get walkEnd(): number {
    return this.meta[M_WALK_END];
  }

  get walkAt(): number {
    return this.meta[M_WALK_AT];
  }

  /** The walk has looked at every slot before `from`. */
  walkedTo(from: number): void {
    this.meta[M_WALK_FROM] = from;
    if (from >= this.meta[M_WALK_END]) this.meta[M_WALK_AT] = NaN;
  }

  /**
   * Whether `slot` is in the wheel: always, except during a walk for a slot
   * the walk has still to look at (its links are stale; it is filed again
   * when the walk reaches it).
   */
  holds(slot: number): boolean {
    const at = this.meta[M_WALK_AT];
    if (!(at === at) || slot < this.meta[M_WALK_FROM] || slot >= this.meta[M_WALK_END]) return true;
    return this.slots.f64(slot, FILED) > at;
  }

  /** Files `slot` at time `at` (an integer >= cur). */
  file(slot: number, at: number): void {
    this.slots.setF64(slot, FILED, at);
    this.append(this.bucketFor(at), slot);
    this.meta[M_COUNT]++;
    const min = this.meta[M_MIN];
    if (at < min) this.meta[M_MIN] = at;
    if (at > this.meta[M_MAX]) this.meta[M_MAX] = at;
  }

  /** Takes a filed slot out. */
  unfile(slot: number): void {
    this.unlink(slot);
    this.meta[M_COUNT]--;
    if (this.slots.f64(slot, FILED) === this.meta[M_MIN]) this.meta[M_MIN] = NaN;
  }

  /** Bytes held in SharedArrayBuffers: fixed, whatever the number of slots. */
  get sharedBytes(): number {
    return this.links.byteLength + this.bitmap.byteLength + this.meta.byteLength;
  }

  /**
   * A time at or before every slot's filed time, read without any walk (a
   * heartbeat's check): the cached earliest time when known, else cur (every
   * time filed is >= cur); -Infinity during a walk (slots it has still to
   * look at are filed at or before cur). O(1).
   */
  filedNoEarlierThan(): number {
    // A drained bucket's slots are filed before cur.
    if (this.walking || this.meta[M_DRAIN] >= 0) return -Infinity;
    const cached = this.meta[M_MIN];
    return cached === cached ? cached : this.meta[M_CUR];
  }

  /**
   * The earliest time filed (Infinity: none); while a cascade is half done,
   * cur, and while a bucket is being drained, its first ms (there is work
   * now, and no slot is filed before either).
   */
  nextAt(): number {
    const drain = this.meta[M_DRAIN];
    // A drained bucket's slots lie between its first ms and cur.
    if (drain >= 0) return this.meta[M_CUR] - (this.meta[M_CUR] % SPAN[drain >> 8]);
    if (this.meta[M_PENDING] !== 0 || this.walking) return this.meta[M_CUR];
    const cached = this.meta[M_MIN];
    if (cached === cached) return cached;
    const min = this.findMin();
    this.meta[M_MIN] = min;
    return min;
  }

  /**
   * Unfiles and returns a slot filed at or before `now`, earliest first
   * (equal times in the order they were filed; a drained bucket's slots in
   * the order they were filed), or NIL when none is left or the budget ran
   * out. Advances cur towards `now`.
   */
  popDue(now: number): number {
    for (;;) {
      if (this.budget <= 0) return NIL;
      if (this.meta[M_DRAIN] >= 0) {
        const slot = this.takeDrained();
        if (slot !== NIL) return slot;
      }
      if (this.meta[M_PENDING] !== 0 && !this.finishCascade()) return NIL;
      const cur = this.meta[M_CUR];
      const d0 = cur % DIGITS;
      const b0 = this.firstSet(0, d0);
      if (b0 >= 0) {
        const t = cur - d0 + b0;
        if (t > now) {
          if (now > cur) this.meta[M_CUR] = now;
          return NIL;
        }
        this.meta[M_CUR] = t;
        const slot = this.links[2 * b0];
        this.unlink(slot);
        this.meta[M_COUNT]--;
        this.meta[M_MIN] = NaN;
        this.budget--;
        return slot;
      }
      if (!this.enterNextBucket(now)) return NIL;
    }
  }

  /**
   * Level 0 has nothing from cur on: takes the next occupied bucket of the
   * lowest level that has one, if its start is not after `now`. Entirely
   * due (its last ms not after `now`): moves cur to that last ms and marks
   * it for draining. Otherwise: moves cur to its start and marks it for
   * cascading. False when nothing is due.
   */
  private enterNextBucket(now: number): boolean {
    const cur = this.meta[M_CUR];
    for (let level = 1; level < LEVELS; level++) {
      const digit = Math.floor(cur / SPAN[level]) % DIGITS;
      const b = this.firstSet(level, digit + 1);
      if (b < 0) continue;
      const start = cur - (cur % SPAN[level + 1]) + b * SPAN[level];
      if (start > now) break;
      const last = start + SPAN[level] - 1;
      if (last <= now) {
        // cur's digits from `level` up stay those of `start`, so every other
        // filed slot stays in its bucket, and nothing filed from now on goes
        // into this one (its digit at `level` is cur's own).
        this.meta[M_CUR] = last;
        this.meta[M_DRAIN] = (level << 8) | b;
        return true;
      }
      this.meta[M_CUR] = start;
      this.meta[M_PENDING] = 1;
      return true;
    }
    if (now > cur) this.meta[M_CUR] = now;
    return false;
  }

  /** Unfiles the drained bucket's first slot, or ends the drain (NIL) when it is empty. */
  private takeDrained(): number {
    const b = this.meta[M_DRAIN];
    const slot = this.links[2 * b];
    if (slot < 0) {
      this.meta[M_DRAIN] = -1;
      return NIL;
    }
    this.unlink(slot);
    this.meta[M_COUNT]--;
    this.meta[M_MIN] = NaN;
    this.budget--;
    return slot;
  }

  /**
   * Files again, relative to cur, the slots of the bucket cur has entered
   * (they all go to lower levels). False when the budget ran out first.
   */
  private finishCascade(): boolean {
    const cur = this.meta[M_CUR];
    for (let level = LEVELS - 1; level >= 1; level--) {
      const b = (level << 8) | (Math.floor(cur / SPAN[level]) % DIGITS);
      if (this.isSet(b) && !this.moveBucket(b)) return false;
    }
    this.meta[M_PENDING] = 0;
    return true;
  }

  /**
   * Files every slot of bucket `b` again, in list order, without unlinking
   * them one by one (the bucket is emptied whole at the end: no write to
   * each next slot's W_PREV). False when the budget ran out: the slots not
   * moved stay in `b`, in order.
   */
  private moveBucket(b: number): boolean {
    const sentinel = -(b + 2);
    let slot = this.links[2 * b];
    while (slot !== sentinel) {
      if (this.budget <= 0) {
        this.links[2 * b] = slot;
        this.slots.setI32(slot, W_PREV, sentinel);
        return false;
      }
      const next = this.slots.i32(slot, W_NEXT);
      this.append(this.bucketFor(this.slots.f64(slot, FILED)), slot);
      this.budget--;
      slot = next;
    }
    this.links[2 * b] = sentinel;
    this.links[2 * b + 1] = sentinel;
    this.bitmap[b >> 5] &= ~(1 << (b & 31));
    return true;
  }

  private findMin(): number {
    const cur = this.meta[M_CUR];
    const d0 = cur % DIGITS;
    const b0 = this.firstSet(0, d0);
    if (b0 >= 0) return cur - d0 + b0;
    for (let level = 1; level < LEVELS; level++) {
      const b = this.firstSet(level, (Math.floor(cur / SPAN[level]) % DIGITS) + 1);
      if (b < 0) continue;
      const bucket = (level << 8) | b;
      let min = Infinity;
      for (let s = this.links[2 * bucket]; s >= 0; s = this.slots.i32(s, W_NEXT)) min = Math.min(min, this.slots.f64(s, FILED));
      return min;
    }
    return Infinity;
  }

  /** Level and digit of `at` relative to cur, as level << 8 | digit. */
  private bucketFor(at: number): number {
    const cur = this.meta[M_CUR];
    const hiAt = Math.floor(at / TWO_32);
    const hiCur = Math.floor(cur / TWO_32);
    if (hiAt === hiCur) {
      // `^` and `>>>` take the low 32 bits of each time.
      const x = (at ^ cur) >>> 0;
      const level = x === 0 ? 0 : (31 - Math.clz32(x)) >> 3;
      return (level << 8) | ((at >>> (level << 3)) & 255);
    }
    const level = 4 + ((31 - Math.clz32((hiAt ^ hiCur) >>> 0)) >> 3);
    return (level << 8) | ((hiAt >>> ((level - 4) << 3)) & 255);
  }

  /** The first occupied digit >= `from` at `level`, or -1. */
  private firstSet(level: number, from: number): number {
    if (from >= DIGITS) return -1;
    const base = level * WORDS_PER_LEVEL;
    let w = from >> 5;
    let word = this.bitmap[base + w] & (-1 << (from & 31));
    for (;;) {
      if (word !== 0) return (w << 5) + (31 - Math.clz32(word & -word));
      if (++w === WORDS_PER_LEVEL) return -1;
      word = this.bitmap[base + w];
    }
  }

  private isSet(bucket: number): boolean {
    return (this.bitmap[bucket >> 5] & (1 << (bucket & 31))) !== 0;
  }

  private append(bucket: number, slot: number): void {
    const sentinel = -(bucket + 2);
    const tail = this.links[2 * bucket + 1];
    this.setNext(tail, slot);
    this.slots.setI32(slot, W_PREV, tail);
    this.slots.setI32(slot, W_NEXT, sentinel);
    this.links[2 * bucket + 1] = slot;
    this.bitmap[bucket >> 5] |= 1 << (bucket & 31);
  }

  private unlink(slot: number): void {
    const prev = this.slots.i32(slot, W_PREV);
    const next = this.slots.i32(slot, W_NEXT);
    this.setNext(prev, next);
    if (next >= 0) this.slots.setI32(next, W_PREV, prev);
    else this.links[2 * (-next - 2) + 1] = prev;
    if (prev === next) {
      // Both ends are the sentinel: the bucket is empty now.
      const bucket = -prev - 2;
      this.bitmap[bucket >> 5] &= ~(1 << (bucket & 31));
    }
  }

  private setNext(node: number, next: number): void {
    if (node >= 0) this.slots.setI32(node, W_NEXT, next);
    else this.links[2 * (-node - 2)] = next;
  }
}
