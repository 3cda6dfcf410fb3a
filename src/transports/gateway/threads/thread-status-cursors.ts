import type { Clock } from '../../../monitor/clock.js';
import type { ClientEntry } from '../connection.js';
import { encodeStatusEntry, type StatusSource } from '../status-stream.js';
import type { CursorAnswer, CursorOp } from './thread-messages.js';

/** This thread's clients (its registry), with the current entry of an id to tell a gone one. */
type OwnedClients = StatusSource & { get(clientId: string): ClientEntry | undefined };

/**
 * One reader's place in this thread's clients (the reader's GET /status may
 * be served by any I/O thread; threads/merged-status-cursor.ts merges every
 * thread's by registration number).
 *
 * LAYOUT: the registry's live iterator plus `ahead`, the entries looked at
 * and not yet passed, from `aheadAt` on; `window`, the reader's shared
 * buffer (a SharedArrayBuffer it made for this thread) that taken entries
 * are encoded into, and which the reader empties before it asks again.
 * COSTS: a step is O(skip + count); `ahead` holds at most one peek's
 * references (no copy of the clients); taken rows become bytes in the
 * window at once, so no string outlives the step (on the reader's side
 * neither: it copies the bytes into its chunk), and a reader that stops
 * reading pins its window, not a heap of rows.
 */
class ThreadStatusCursor {
  private readonly iterator: IterableIterator<ClientEntry>;
  private ahead: ClientEntry[] = [];
  private aheadAt = 0;
  private exhausted = false;
  private readonly window: Buffer;

  constructor(private readonly source: OwnedClients, window: SharedArrayBuffer) {
    this.iterator = source.entries();
    this.window = Buffer.from(window);
  }

  /**
   * Passes `skip` entries, then answers the next `count`: with `rows`,
   * taken (passed too) and encoded into the window, as many as fit; without,
   * only their registration numbers, the entries staying next (a peek).
   */
  step(op: Extract<CursorOp, { op: 'step' }>, now: number): CursorAnswer {
    for (let passed = 0; passed < op.skip && this.head() !== undefined; passed++) this.pass();
    return op.rows ? this.take(op.count, now) : this.peek(op.count);
  }

  private peek(count: number): CursorAnswer {
    this.fill(count);
    const seqs: number[] = [];
    for (let i = this.aheadAt; i < this.ahead.length && seqs.length < count; i++) seqs.push(this.ahead[i].seq);
    return { seqs, end: this.exhausted && this.aheadAt + seqs.length === this.ahead.length };
  }

  private take(count: number, now: number): CursorAnswer {
    const seqs: number[] = [];
    const ends: number[] = [];
    let at = 0;
    for (let entry = this.head(); entry !== undefined && seqs.length < count; entry = this.head()) {
      // Looked at earlier and gone since: not listed, as the live iterator would not list it.
      if (this.source.get(entry.clientId) !== entry) {
        this.pass();
        continue;
      }
      const row = encodeStatusEntry(entry, now);
      // Entries are ASCII (py-json escapes the rest): a character is a byte. The window holds the longest entry.
      if (at + row.length > this.window.length) break;
      at += this.window.write(row, at, 'latin1');
      ends.push(at);
      seqs.push(entry.seq);
      this.pass();
    }
    return { seqs, ends, end: this.head() === undefined };
  }

  /** Looks at up to `n` entries ahead (fewer only at the end). */
  private fill(n: number): void {
    while (!this.exhausted && this.ahead.length - this.aheadAt < n) {
      const next = this.iterator.next();
      if (next.done) this.exhausted = true;
      else this.ahead.push(next.value);
    }
  }

  private head(): ClientEntry | undefined {
    this.fill(1);
    return this.aheadAt < this.ahead.length ? this.ahead[this.aheadAt] : undefined;
  }

  private pass(): void {
    this.aheadAt++;
    if (this.aheadAt < this.ahead.length) return;
    this.ahead.length = 0;
    this.aheadAt = 0;
  }
}

/**
 * The cursors readers hold on this thread's clients, by reader (the worker
 * serial of the thread serving the GET, from the supervisor) and cursor id.
 * A reader's thread that fails leaves its cursors here: the supervisor then
 * says so (readerGone).
 */
export class ThreadStatusCursors {
  private readonly open = new Map<string, ThreadStatusCursor>();

  constructor(private readonly source: OwnedClients, private readonly clock: Clock) {}

  /** Answers one cursor operation; undefined for `close` (nothing to answer). */
  apply(reader: number, cursor: number, op: CursorOp): CursorAnswer | undefined {
    const key = `${reader}/${cursor}`;
    switch (op.op) {
      case 'open':
        this.open.set(key, new ThreadStatusCursor(this.source, op.window));
        return { seqs: [], end: false, total: this.source.size };
      case 'step':
        // An unknown cursor (opened on the thread this one replaced) has nothing: the reader's listing ends here.
        return this.open.get(key)?.step(op, this.clock.now()) ?? { seqs: [], ends: [], end: true };
      case 'close':
        this.open.delete(key);
        return undefined;
    }
  }

  readerGone(reader: number): void {
    const prefix = `${reader}/`;
    for (const key of this.open.keys()) if (key.startsWith(prefix)) this.open.delete(key);
  }

  get size(): number {
    return this.open.size;
  }
}
