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
 *           bucket number (which keeps slots at 56 bytes). Level 0 has two
 *           banks of 256 (see STAGING), the second after level 6's buckets
 *   bitmap  Int32, 8 words per level and for the second bank: bucket
 *           occupied, so "what is next" is a few word tests, never a walk
 *           over empty buckets
 *   counts  Int32 per level-1 bucket: slots appended since it was last
 *           empty (at least its size), how much staging has to spread
 *   meta    Float64: cur, the cached earliest time (NaN: unknown), whether
 *           a cascade is half done, the bucket being drained (-1: none),
 *           how many slots are filed, the latest time filed, the state of
 *           a walk (see beginWalk), and when staging last ran
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
 * STAGING
 *
 * Cascading a level-1 bucket when cur enters it moves all its slots in one
 * popDue (a client re-filed a timeout ahead lands in one, so with sweeps
 * every 20 ms about one sweep in 13 did the moving of 13). Instead, the
 * bucket of the next 256 ms group is cascaded ahead of time, a share per
 * popDue that ends with nothing more due (`stage`), into level 0's other
 * bank: the groups alternate banks, so the current group's ms and the
 * next one's never share a bucket. The share is the bucket's count times
 * the time since the last such call over the time from it to the group's
 * start, at most STAGE_LIMIT; none on the first call in a group, so sweeps
 * further apart than a group stage nothing and drain whole buckets as
 * before. Staging takes slots from the bucket's head, and a time filed in
 * the next group joins that bucket's tail while it holds slots (the bank
 * once it is empty), so equal times still come out in the order filed.
 * When cur reaches the group, what staging left is cascaded as usual (a
 * group with staged slots is entered that way even when entirely due:
 * never drained). A holder that skips popDue while nothing is due asks
 * `stageAt` when a popDue would have staging to do: from the group
 * before a level-1 bucket's own, every STAGE_GAP ms at most, so that a
 * bucket is spread even when no sweep before it finds anything due.
 *
 * Staging also looks ahead (LookAhead, given by the holder): a slot whose
 * client has heartbeated since it was filed, so that its next look falls
 * after the group being staged, is filed at that time instead of moving
 * to level 0. Under heartbeat churn that is most slots: the move that
 * staging makes is then the re-filing the hand-out would have made, and
 * the client costs one move per timeout period instead of two (a
 * hand-out and a staged move).
 *
 * COSTS (n filed slots, for any spread of times: they hold with every slot
 * at its own time, d = n distinct values)
 *
 *   file, unfile        O(1): a bucket number from a XOR and clz32, 4 links
 *   popDue              O(1) per slot handed out, + O(1) per cascade move
 *                       (each slot: at most one move per level crossed, above;
 *                       none for a slot handed out from a drained bucket; a
 *                       staged move is the level-1 cascade's move made
 *                       earlier, <= STAGE_LIMIT per call, or in its stead
 *                       the re-filing that an early look asks for)
 *   nextAt              O(1) when level 0 holds something from cur on or
 *                       the next group's level-1 bucket is being staged;
 *                       otherwise one walk over the first occupied bucket of
 *                       the lowest level (then cached until it changes)
 *   stageAt             O(1): a scan of level 1's 8 bitmap words
 *   memory              0 per slot here (links live in the slot); 18 KiB fixed
 */
const LEVELS = 7;
const DIGITS = 256;
/** The level number of level 0's second bank (see STAGING); its buckets follow the levels'. */
const BANK_B = LEVELS;
const BUCKETS = (LEVELS + 1) * DIGITS;
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
const M_STAGED_AT = 9;
const META_WORDS = 10;

/**
 * The most slots one popDue stages (see STAGING): a bucket far larger than
 * the sweeps before it can spread (a crowd registered together, due
 * together) is mostly left to the cascade, in one step, as without staging,
 * rather than slowing every sweep before it.
 */
const STAGE_LIMIT = 256;

/**
 * The least time between two popDue calls that stage when nothing is due
 * (see stageAt): sweeps that come more often than this stage at this pace
 * (16 calls a group at most), so that a sweep with nothing due and nothing
 * to stage stays a compare.
 */
const STAGE_GAP = 16;

const TWO_32 = 2 ** 32;
/** 256^L. */
const SPAN = Array.from({ length: LEVELS + 1 }, (_, l) => 2 ** (8 * l));

export interface WheelBuffers {
  links: SharedArrayBuffer;
  bitmap: SharedArrayBuffer;
  counts: SharedArrayBuffer;
  meta: SharedArrayBuffer;
}

/**
 * An early look at a slot that staging is about to move (see STAGING): the
 * time it must be looked at next when that is at or after `end` (its
 * holder has recorded the look: the slot is then filed there instead), or
 * -1 when it stays at its filed time. The slot's filed time is after the
 * wheel's time, so nothing of the slot is due: a look can only find it
 * later.
 */
export type LookAhead = (slot: number, end: number) => number;

export class TimingWheel {
  private readonly links: Int32Array;
  private readonly bitmap: Int32Array;
  /** Per level-1 bucket, how many slots were appended since it was last empty (an upper bound of its size: unfiling does not lower it). */
  private readonly counts: Int32Array;
  private readonly meta: Float64Array;
  /** Slots popDue may still hand out or move before it stops (see `sweep(now, limit)`). */
  budget = Infinity;

  constructor(
    private readonly slots: SlotStore,
    buffers?: WheelBuffers,
    /** Staging's early look (none: every staged slot moves to level 0). */
    private readonly lookAhead?: LookAhead,
  ) {
    if (buffers) {
      this.links = new Int32Array(buffers.links);
      this.bitmap = new Int32Array(buffers.bitmap);
      this.counts = new Int32Array(buffers.counts);
      this.meta = new Float64Array(buffers.meta);
      return;
    }
    this.links = new Int32Array(new SharedArrayBuffer(BUCKETS * 2 * 4));
    this.bitmap = new Int32Array(new SharedArrayBuffer((LEVELS + 1) * WORDS_PER_LEVEL * 4));
    this.counts = new Int32Array(new SharedArrayBuffer(DIGITS * 4));
    this.meta = new Float64Array(new SharedArrayBuffer(META_WORDS * 8));
    this.reset(0);
  }

  buffers(): WheelBuffers {
    return {
      links: this.links.buffer as SharedArrayBuffer,
      bitmap: this.bitmap.buffer as SharedArrayBuffer,
      counts: this.counts.buffer as SharedArrayBuffer,
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
    this.counts.fill(0);
    this.meta[M_CUR] = cur;
    this.meta[M_MIN] = NaN;
    this.meta[M_PENDING] = 0;
    this.meta[M_DRAIN] = -1;
    this.meta[M_COUNT] = 0;
    this.meta[M_MAX] = -Infinity;
    this.meta[M_WALK_AT] = NaN;
    this.meta[M_STAGED_AT] = NaN;
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
    this.place(slot, at);
    this.meta[M_COUNT]++;
    const min = this.meta[M_MIN];
    if (at < min) this.meta[M_MIN] = at;
  }

  /** Links `slot` (not in any bucket, or about to leave one whole) into the bucket of `at`. */
  private place(slot: number, at: number): void {
    this.slots.setF64(slot, FILED, at);
    this.append(this.bucketFor(at), slot);
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
    return this.links.byteLength + this.bitmap.byteLength + this.counts.byteLength + this.meta.byteLength;
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
   * The earliest time filed (Infinity: none), or while the next 256 ms
   * group's level-1 bucket holds slots, at most that group's start (a lower
   * bound: see findMin); while a cascade is half done, cur, and while a
   * bucket is being drained, its first ms (there is work now, and no slot
   * is filed before either).
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
   * The earliest time at which a popDue has staging to do (see STAGING)
   * when nothing is due: from the start of the 256 ms group before the
   * first level-1 bucket after cur's group, at most every STAGE_GAP ms;
   * Infinity when level 1 holds nothing after cur's group. Work that may be
   * done or left (the cascade does what staging left), so a bound that
   * misses a bucket filed since it was read only costs that cascade. O(1).
   */
  stageAt(): number {
    const cur = this.meta[M_CUR];
    const b = this.firstSet(1, (Math.floor(cur / DIGITS) % DIGITS) + 1);
    if (b < 0) return Infinity;
    const from = cur - (cur % SPAN[2]) + (b - 1) * DIGITS;
    const last = this.meta[M_STAGED_AT];
    return last === last ? Math.max(from, last + STAGE_GAP) : from;
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
      const bank = bankOf(cur);
      const b0 = this.firstSet(bank, d0);
      if (b0 >= 0) {
        const t = cur - d0 + b0;
        if (t > now) {
          if (now > cur) this.meta[M_CUR] = now;
          this.nothingDue(now);
          return NIL;
        }
        this.meta[M_CUR] = t;
        const slot = this.links[2 * ((bank << 8) | b0)];
        this.unlink(slot);
        this.meta[M_COUNT]--;
        this.meta[M_MIN] = NaN;
        this.budget--;
        return slot;
      }
      if (!this.enterNextBucket(now)) {
        this.nothingDue(now);
        return NIL;
      }
    }
  }

  /**
   * popDue found nothing more due at `now`: stages, and drops the cached
   * earliest time if it is not after now (a lower bound that was not
   * anyone's time, see findMin; the next nextAt finds the real one).
   */
  private nothingDue(now: number): void {
    if (this.meta[M_MIN] <= now) this.meta[M_MIN] = NaN;
    this.stage(now);
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
    if (this.firstSet(bankOf(cur + DIGITS), 0) >= 0) return this.enterStagedGroup(now);
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

  /**
   * Level 0 has nothing from cur on and the next 256 ms group has staged
   * slots: enters that group (cur to its start) if its start is due, its
   * level-1 bucket (what staging has not moved yet) marked for cascading.
   * Never drained: the staged slots are already in level 0.
   */
  private enterStagedGroup(now: number): boolean {
    const cur = this.meta[M_CUR];
    const start = cur - (cur % DIGITS) + DIGITS;
    if (start > now) {
      if (now > cur) this.meta[M_CUR] = now;
      return false;
    }
    this.meta[M_CUR] = start;
    if (this.isSet((1 << 8) | (Math.floor(start / DIGITS) % DIGITS))) this.meta[M_PENDING] = 1;
    return true;
  }

  /**
   * A popDue that found nothing more due at `now` (cur = now): cascades
   * part of the next 256 ms group's level-1 bucket into level 0's other
   * bank ahead of time (see STAGING), from its head, so that the order of
   * filing is kept: the share of its slots that the time since the last
   * such call is of the time from that call to the group's start. Nothing
   * on the first call in a group (sweeps further apart than a group then
   * drain whole buckets, with no move at all). A slot the holder's early
   * look finds due later than that group goes straight to its new time.
   */
  private stage(now: number): void {
    const last = this.meta[M_STAGED_AT];
    this.meta[M_STAGED_AT] = now;
    const cur = this.meta[M_CUR];
    const group = Math.floor(cur / DIGITS);
    if (!(now > last) || Math.floor(last / DIGITS) !== group || this.budget <= 0) return;
    const digit = (group % DIGITS) + 1;
    const b = (1 << 8) | digit;
    if (digit === DIGITS || !this.isSet(b)) return;
    const start = (group + 1) * DIGITS;
    const share = Math.ceil((this.counts[digit] * (now - last)) / (start - last));
    const bank = bankOf(start) << 8;
    const sentinel = -(b + 2);
    const lookAhead = this.lookAhead;
    let slot = this.links[2 * b];
    for (let k = Math.min(share, STAGE_LIMIT, this.budget); k > 0 && slot !== sentinel; k--) {
      const next = this.slots.i32(slot, W_NEXT);
      const at = this.slots.f64(slot, FILED);
      const later = lookAhead === undefined ? -1 : lookAhead(slot, start + DIGITS);
      if (later < 0) {
        this.append(bank | (at % DIGITS), slot);
      } else {
        // Past the group being staged: to a level above 0, never back into b.
        if (at === this.meta[M_MIN]) this.meta[M_MIN] = NaN;
        this.place(slot, later);
      }
      this.counts[digit]--;
      this.budget--;
      slot = next;
    }
    this.links[2 * b] = slot;
    if (slot === sentinel) {
      this.links[2 * b + 1] = sentinel;
      this.bitmap[b >> 5] &= ~(1 << (b & 31));
      this.counts[digit] = 0;
    } else {
      this.slots.setI32(slot, W_PREV, sentinel);
    }
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
    if (b >> 8 === 1) this.counts[b & 255] = 0;
    return true;
  }

  private findMin(): number {
    const cur = this.meta[M_CUR];
    const d0 = cur % DIGITS;
    const b0 = this.firstSet(bankOf(cur), d0);
    if (b0 >= 0) return cur - d0 + b0;
    // Staged slots of the next group come before every bucket above level
    // 0 but that group's own level-1 bucket (what staging has not moved).
    const n0 = this.firstSet(bankOf(cur + DIGITS), 0);
    let min = n0 >= 0 ? cur - d0 + DIGITS + n0 : Infinity;
    for (let level = 1; level < LEVELS; level++) {
      const digit = (Math.floor(cur / SPAN[level]) % DIGITS) + 1;
      const b = this.firstSet(level, digit);
      if (b < 0) continue;
      if (n0 >= 0 && (level !== 1 || b !== digit)) return min;
      // The next group's own bucket, being staged: its start is a lower
      // bound (exact once cur enters it), and a walk of what staging has
      // not moved yet would touch thousands of slots at each popDue.
      if (level === 1 && b === digit) return cur - d0 + DIGITS;
      const bucket = (level << 8) | b;
      for (let s = this.links[2 * bucket]; s >= 0; s = this.slots.i32(s, W_NEXT)) min = Math.min(min, this.slots.f64(s, FILED));
      return min;
    }
    return min;
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
      if (level === 0) return (bankOf(cur) << 8) | (at & 255);
      if (level === 1) return this.levelOneBucketFor(at, cur);
      return (level << 8) | ((at >>> (level << 3)) & 255);
    }
    const level = 4 + ((31 - Math.clz32((hiAt ^ hiCur) >>> 0)) >> 3);
    return (level << 8) | ((hiAt >>> ((level - 4) << 3)) & 255);
  }

  /**
   * The bucket of a time at level 1: for the next 256 ms group, its bank of
   * level 0 once its level-1 bucket is empty (staged: see STAGING; while
   * that bucket holds slots, new ones join its tail, so that staging from
   * its head keeps the order of filing).
   */
  private levelOneBucketFor(at: number, cur: number): number {
    const digit = (at >>> 8) & 255;
    const b = (1 << 8) | digit;
    if (digit === ((cur >>> 8) & 255) + 1 && !this.isSet(b)) return (bankOf(at) << 8) | (at & 255);
    return b;
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
    if (bucket >> 8 === 1) this.counts[bucket & 255]++;
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
      if (bucket >> 8 === 1) this.counts[bucket & 255] = 0;
    }
  }

  private setNext(node: number, next: number): void {
    if (node >= 0) this.slots.setI32(node, W_NEXT, next);
    else this.links[2 * (-node - 2)] = next;
  }
}

/**
 * The bank of level 0 holding the 256 ms group of `t`: groups alternate
 * between level 0's own buckets and the second bank's (see STAGING).
 */
function bankOf(t: number): number {
  return (Math.floor(t / DIGITS) & 1) === 0 ? 0 : BANK_B;
}
