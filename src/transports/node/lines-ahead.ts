import { FlatLine, flatIdFits, KA_HEARTBEAT } from './flat-envelope.js';

/**
 * NodeSession's read-ahead: the lines of one batch scanned before they are
 * handled (`scan`), handed out in that order (`take`) to the handleLine
 * calls that get exactly those lines (same bytes, same bounds), so that no
 * line is scanned twice; and the client ids of its flat heartbeats, for a
 * prefetch.
 * LAYOUT: a FlatLine per line of the largest batch seen (reused), whether
 * each scanned as flat, each line's bounds, the flat heartbeats' id bounds.
 * COSTS: scan O(batch bytes); take O(1); no allocation once grown.
 */
export class LinesAhead {
  private lines: FlatLine[] = [];
  private isFlat = new Uint8Array(0);
  private starts = new Int32Array(0);
  private ends = new Int32Array(0);
  private bytes: Buffer | undefined;
  private count = 0;
  private next = 0;
  idStarts = new Int32Array(0);
  idEnds = new Int32Array(0);
  /** Flat heartbeats of the batch (their ids at idStarts/idEnds). */
  ids = 0;
  /** Whether the line `take` returned last scanned as flat. */
  tookFlat = false;

  scan(bytes: Buffer, starts: Int32Array, ends: Int32Array, count: number): void {
    this.grow(count);
    this.bytes = bytes;
    this.count = count;
    this.next = 0;
    this.ids = 0;
    for (let i = 0; i < count; i++) {
      const flat = this.lines[i];
      const start = starts[i];
      const end = ends[i];
      this.starts[i] = start;
      this.ends[i] = end;
      const isFlat = flat.scan(bytes, start, end);
      this.isFlat[i] = isFlat ? 1 : 0;
      if (isFlat && flat.typeIs(KA_HEARTBEAT) && flatIdFits(flat)) {
        this.idStarts[this.ids] = flat.idStart;
        this.idEnds[this.ids++] = flat.idEnd;
      }
    }
  }

  /** The scanned record of the next line if it is bytes[start, end) (tookFlat: whether it is flat), else undefined. */
  take(bytes: Buffer, start: number, end: number): FlatLine | undefined {
    const i = this.next;
    if (i >= this.count || bytes !== this.bytes || this.starts[i] !== start || this.ends[i] !== end) return undefined;
    this.next = i + 1;
    // The batch's last line handed out: the chunk is not kept past it.
    if (this.next === this.count) this.bytes = undefined;
    this.tookFlat = this.isFlat[i] === 1;
    return this.lines[i];
  }

  private grow(count: number): void {
    if (this.lines.length >= count) return;
    while (this.lines.length < count) this.lines.push(new FlatLine());
    this.isFlat = new Uint8Array(count);
    this.starts = new Int32Array(count);
    this.ends = new Int32Array(count);
    this.idStarts = new Int32Array(count);
    this.idEnds = new Int32Array(count);
  }
}
