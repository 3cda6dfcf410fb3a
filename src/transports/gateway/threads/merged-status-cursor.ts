import { STATUS_ENTRY_MAX_CHARS, type StatusChunk, type StatusCursor } from '../status-stream.js';
import type { CursorAnswer, CursorOp } from './thread-messages.js';
import { kWayPick } from '../../../monitor/k-way-merge.js';

/** Registration numbers asked per thread while walking past an offset (numbers only: ~8 B each on the wire). */
const PEEK_BATCH = 4096;
/** Bytes of entries held per reader over all threads' windows (~400 entries of ~100 B: one chunk, as on one thread). */
const READER_WINDOW_BYTES = 40 * 1024;

/** How a reader reaches each thread's cursor (threads/supervisor-link.ts, through the supervisor). */
export interface CursorLink {
  /** Asks thread `thread`; undefined when it is not running or did not answer in time. */
  ask(thread: number, op: Exclude<CursorOp, { op: 'close' }>): Promise<CursorAnswer | undefined>;
  /** Closes this reader's cursor on thread `thread` (no answer). */
  close(thread: number): void;
}

/**
 * What this reader has of one thread's clients: the entries of its last
 * answer from `at` on. A taken window's entries are bytes in `bytes` (the
 * buffer shared with that thread, refilled only once emptied); a peeked
 * window (`ends` undefined) has numbers only, its entries still the owner's
 * next: the owner is told how many were passed (`at`) at the next step.
 */
interface Window {
  readonly bytes: Uint8Array;
  seqs: number[];
  ends: number[] | undefined;
  at: number;
  /** The owner has nothing after this window. */
  end: boolean;
}

/**
 * GET /status over every I/O thread: a k-way merge, by process-wide
 * registration number, of one cursor per thread (each thread's clients are
 * in registration order already), so the listing is in registration order
 * across threads, as on one thread, and its bytes are the same.
 *
 * COSTS: memory per reader is fixed at open, whatever it reads: one window
 * per thread (READER_WINDOW_BYTES in all, at least one longest entry each)
 * and an output chunk of the same size, reused; while passing an offset,
 * PEEK_BATCH numbers per thread. So a reader that stops reading pins about
 * one chunk, as on one thread, and no rows are left on any heap to be
 * promoted while it waits. A chunk costs about one round trip per thread
 * (through the supervisor); an offset O costs O / PEEK_BATCH round trips
 * per thread and no rows. A thread that does not answer within the ask's
 * bound ends its part.
 */
export class MergedStatusCursor implements StatusCursor {
  private readonly out: Uint8Array;

  private constructor(
    readonly total: number,
    private readonly windows: (Window | undefined)[],
    private readonly link: CursorLink,
    private readonly rowsPerThread: number,
  ) {
    this.out = new Uint8Array(2 + windows.reduce((n, w) => n + (w?.bytes.length ?? 0), 0));
  }

  /** Opens a cursor on each of `threads` threads; `total` is their client counts summed. */
  static async open(threads: number, link: CursorLink, chunkEntries: number): Promise<MergedStatusCursor> {
    const bytes = Array.from({ length: threads }, () => new SharedArrayBuffer(Math.max(STATUS_ENTRY_MAX_CHARS, Math.ceil(READER_WINDOW_BYTES / threads))));
    const answers = await Promise.all(bytes.map((window, t) => link.ask(t, { op: 'open', window })));
    const windows = answers.map((a, t): Window | undefined => {
      if (a !== undefined) return { bytes: new Uint8Array(bytes[t]), seqs: [], ends: [], at: 0, end: false };
      link.close(t); // it may still open one, late
      return undefined;
    });
    const total = answers.reduce((n, a) => n + (a?.total ?? 0), 0);
    return new MergedStatusCursor(total, windows, link, Math.max(1, Math.ceil(chunkEntries / threads)));
  }

  async skip(n: number): Promise<void> {
    for (let passed = 0; passed < n; passed++) {
      const next = this.nextWindow(false);
      const w = next instanceof Promise ? await next : next;
      if (w === undefined) return;
      w.at++;
    }
  }

  /** Copies the next entries into the reused output chunk, up to `max` or until the next one would not fit. */
  async next(max: number, leading: boolean): Promise<StatusChunk> {
    let count = 0;
    let at = 0;
    while (count < max) {
      const next = this.nextWindow(true);
      const w = next instanceof Promise ? await next : next;
      if (w === undefined) break;
      const ends = w.ends as number[];
      const from = w.at === 0 ? 0 : ends[w.at - 1];
      const length = ends[w.at] - from;
      const separator = count > 0 || leading ? 2 : 0;
      if (at + separator + length > this.out.length) break;
      if (separator > 0) at = writeSeparator(this.out, at);
      this.out.set(w.bytes.subarray(from, from + length), at);
      at += length;
      w.at++;
      count++;
    }
    return { count, body: this.out.subarray(0, at) };
  }

  close(): void {
    this.windows.forEach((w, t) => {
      if (w !== undefined) this.link.close(t);
    });
    this.windows.fill(undefined);
  }

  /**
   * The window whose next entry comes first, after refilling every window
   * that needs it (all at once): an emptied one always (its thread may hold
   * the next entry), a peeked one when rows are wanted. undefined: none
   * left. Only a refill awaits (one promise per round trip, not per entry:
   * the garbage of a listing stays young).
   */
  private nextWindow(rows: boolean): Window | undefined | Promise<Window | undefined> {
    const refills: Promise<void>[] = [];
    this.windows.forEach((w, t) => {
      if (w === undefined) return;
      const emptied = w.at === w.seqs.length;
      if (emptied && w.end) return;
      if (emptied || (rows && w.ends === undefined)) refills.push(this.refill(t, w, rows));
    });
    if (refills.length > 0) return Promise.all(refills).then(() => this.first());
    return this.first();
  }

  /** The window with the lowest next registration number. */
  private first(): Window | undefined {
    const t = kWayPick(this.windows.length, (i) => {
      const w = this.windows[i];
      return w === undefined || w.at === w.seqs.length ? Infinity : w.seqs[w.at];
    });
    return t < 0 ? undefined : this.windows[t];
  }

  private async refill(t: number, w: Window, rows: boolean): Promise<void> {
    // The owner still has a peeked window's entries: the passed ones are dropped, the rest come again.
    const skip = w.ends === undefined ? w.at : 0;
    const answer = await this.link.ask(t, { op: 'step', skip, count: rows ? this.rowsPerThread : PEEK_BATCH, rows });
    if (answer === undefined) {
      // Stalled or gone: its part of the listing ends here (a late answer finds no one waiting).
      this.windows[t] = undefined;
      this.link.close(t);
      return;
    }
    w.seqs = answer.seqs;
    w.ends = answer.ends;
    w.at = 0;
    w.end = answer.end;
  }
}

const COMMA = 0x2c;
const SPACE = 0x20;

function writeSeparator(out: Uint8Array, at: number): number {
  out[at] = COMMA;
  out[at + 1] = SPACE;
  return at + 2;
}
