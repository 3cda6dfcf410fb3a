import { isUtf8 } from 'node:buffer';
import { LINE_MAX_BYTES } from '../../protocol/limits.js';

/** Where the splitter delivers each line of input. */
export interface LineSink {
  /**
   * A line as bytes[start, end), valid UTF-8: line end, trailing `\r` and a
   * leading BOM removed. The bytes are the caller's input chunk: read them
   * before returning (copy them to keep them).
   */
  line(bytes: Buffer, start: number, end: number): void;
  /**
   * Optional: the lines about to be delivered (the i-th is bytes[starts[i],
   * ends[i]), as `line` will get it), before the first of them, so that
   * the sink can read ahead (the node scans them and brings what their
   * lookups read into cache together). The arrays are reused: read them
   * before returning.
   */
  prepare?(bytes: Buffer, starts: Int32Array, ends: Int32Array, count: number): void;
  /** A line refused before parsing (too long, not UTF-8). */
  reject(reason: string): void;
}

const LF = 0x0a;
const CR = 0x0d;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
/** Lines announced to `prepare` at a time: what a batch reads ahead stays within a core's L2 cache. */
const BATCH_LINES = 256;

/**
 * Splits a byte stream into lines. Holds at most one line (capped at
 * `maxBytes` + a line end) in memory: the rest of an over-long line is
 * skipped as it streams by, and the line is rejected once, at its end.
 *
 * Fast path: when no partial line is pending, all complete lines of a chunk
 * are validated in one go (one UTF-8 check) and handed over where they lie
 * in the chunk (no copy, no decoding: the node reads its hot lines as
 * bytes), announced to the sink's `prepare` a batch at a time; a chunk
 * with a bad line falls back to line by line.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private skipping = false;
  private atStart = true;
  /** A batch's line bounds (fast path), for `prepare` and then `line`. */
  private readonly starts = new Int32Array(BATCH_LINES);
  private readonly ends = new Int32Array(BATCH_LINES);

  constructor(
    private readonly sink: LineSink,
    private readonly maxBytes = LINE_MAX_BYTES,
  ) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    let start = 0;
    // Chunks rarely end on a line end: finish the carried-over line first,
    // so that the rest of the chunk can still take the fast path.
    if (this.pendingBytes > 0 || this.skipping) {
      const lf = chunk.indexOf(LF);
      if (lf < 0) {
        this.hold(chunk);
        return;
      }
      this.hold(chunk.subarray(0, lf));
      this.finishLine();
      start = lf + 1;
    }
    const lastLf = chunk.lastIndexOf(LF);
    if (lastLf >= start) {
      if (this.fastLines(chunk.subarray(start, lastLf))) start = lastLf + 1;
    }
    while (start < chunk.length) {
      const lf = chunk.indexOf(LF, start);
      if (lf < 0) {
        this.hold(chunk.subarray(start));
        return;
      }
      this.hold(chunk.subarray(start, lf));
      this.finishLine();
      start = lf + 1;
    }
  }

  /** End of input: a last line without a newline still counts. */
  end(): void {
    // An input that is only a byte-order mark is empty: no line to report.
    const onlyBom =
      this.atStart && this.pendingBytes === BOM.length && startsWithBom(Buffer.concat(this.pending, BOM.length));
    if ((this.pendingBytes > 0 && !onlyBom) || this.skipping) this.finishLine();
  }

  private fastLines(region: Buffer): boolean {
    let body = region;
    if (this.atStart && startsWithBom(body)) body = body.subarray(BOM.length);
    if (body.length > this.maxBytes || !isUtf8(body)) return false;
    this.atStart = false;
    const { starts, ends, sink } = this;
    let start = 0;
    while (start >= 0) {
      let count = 0;
      while (count < BATCH_LINES && start >= 0) {
        // indexOf is a memchr: several times faster than a loop over the bytes here.
        const lf = body.indexOf(LF, start);
        const end = lf < 0 ? body.length : lf;
        starts[count] = start;
        ends[count++] = end > start && body[end - 1] === CR ? end - 1 : end;
        start = lf < 0 ? -1 : lf + 1;
      }
      sink.prepare?.(body, starts, ends, count);
      for (let i = 0; i < count; i++) sink.line(body, starts[i], ends[i]);
    }
    return true;
  }

  private hold(bytes: Buffer): void {
    if (this.skipping || bytes.length === 0) return;
    this.pendingBytes += bytes.length;
    // Room for a `\r` before the newline and for a leading BOM.
    if (this.pendingBytes > this.maxBytes + 1 + (this.atStart ? BOM.length : 0)) {
      this.skipping = true;
      this.pending = [];
      this.pendingBytes = 0;
      return;
    }
    this.pending.push(Buffer.from(bytes));
  }

  private finishLine(): void {
    const wasStart = this.atStart;
    this.atStart = false;
    if (this.skipping) {
      this.skipping = false;
      this.sink.reject(`line longer than ${this.maxBytes} bytes`);
      return;
    }
    let line = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    if (wasStart && startsWithBom(line)) line = line.subarray(BOM.length);
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    if (line.length > this.maxBytes) this.sink.reject(`line longer than ${this.maxBytes} bytes`);
    else if (!isUtf8(line)) this.sink.reject('line is not valid UTF-8');
    else this.sink.line(line, 0, line.length);
  }
}

function startsWithBom(bytes: Buffer): boolean {
  return bytes.length >= 3 && bytes[0] === BOM[0] && bytes[1] === BOM[1] && bytes[2] === BOM[2];
}
