import { isPlainChar } from '../../protocol/plain-json.js';
import { pyString } from '../../protocol/py-json.js';

// A 64 KiB input chunk of heartbeats takes about 90 KiB of replies.
const INITIAL_BYTES = 1 << 18;
/** Spare buffers kept for later takes (see giveBack), and the largest kept. */
const SPARES = 4;
const SPARE_MAX_BYTES = 1 << 22;
const NEWLINE = 0x0a;
const QUOTE = 0x22;
const SPACE = 0x20;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const DIGIT_0 = 0x30;
const INT32_MAX = 0x7fffffff;
/** Above this length a string is copied by Buffer.latin1Write (one native call, ~0.1 us) rather than by a loop (a few ns a character). */
const NATIVE_COPY_CHARS = 48;
/** Up to this length a constant is copied by a loop: TypedArray.set costs more than the loop for the short ones. */
const LOOP_COPY_BYTES = 64;

/** The bytes of an ASCII constant, for `ReplyBytes.constant`. */
export function asciiBytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/**
 * The stdio node's reply lines of one input chunk, written as bytes as they
 * are encoded: no string per reply, no join, no latin1 conversion at the
 * end (on a heartbeat-heavy input the reply strings were most of what the
 * node allocated per line, and so of its GC time).
 *
 * LAYOUT: one Buffer, filled from 0 to `used`. When full: with a `spill`
 * (the node's: write to stdout), the filled part is spilled and writing
 * goes on in another buffer, so no buffer outgrows the initial size (a
 * status of 100,000 clients is ~7 MB: doubling to that copied megabytes
 * into fresh memory, and fresh memory is slow to touch on a VM); without
 * one (tests), it is doubled (the bytes so far are copied once). `take()`
 * hands the filled part over (the stream keeps it until written). Every
 * other buffer is a spare if there is one (one given back, `giveBack`,
 * once written), else a fresh one of the initial size; at most SPARES
 * spares are kept, of at most SPARE_MAX_BYTES each. Replies are pure
 * ASCII (pyString escapes everything else), so a character is a byte.
 *
 * COSTS: O(1) per byte written (amortized without a spill); per take or
 * spill, no allocation when a spare is there (buffers given back), else
 * one Buffer of the initial size.
 */
export class ReplyBytes {
  private buffer: Buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  private used = 0;
  private readonly spares: Buffer[] = [];

  /** `spill`: where a full buffer's bytes go (in order, before any later take); see the header. */
  constructor(private readonly spill?: (bytes: Buffer) => void) {}

  /** Appends bytes made by asciiBytes. */
  constant(bytes: Uint8Array): void {
    const n = bytes.length;
    this.reserve(n);
    if (n > LOOP_COPY_BYTES) {
      this.buffer.set(bytes, this.used);
      this.used += n;
      return;
    }
    const buffer = this.buffer;
    let at = this.used;
    for (let i = 0; i < n; i++) buffer[at++] = bytes[i];
    this.used = at;
  }

  /** Appends ASCII text (every code unit below 0x80). */
  ascii(text: string): void {
    const n = text.length;
    this.reserve(n);
    if (n > NATIVE_COPY_CHARS) {
      this.used += this.buffer.write(text, this.used, 'latin1');
      return;
    }
    const buffer = this.buffer;
    let at = this.used;
    for (let i = 0; i < n; i++) buffer[at++] = text.charCodeAt(i);
    this.used = at;
  }

  /** Appends bytes[start, end) as they stand (ASCII the caller has checked; a loop: the runs are short). */
  bytes(bytes: Uint8Array, start: number, end: number): void {
    this.reserve(end - start);
    const buffer = this.buffer;
    let at = this.used;
    for (let i = start; i < end; i++) buffer[at++] = bytes[i];
    this.used = at;
  }

  /** Appends `text` as a JSON string literal, Python style (pyString), without building it when nothing needs escaping. */
  pyString(text: string): void {
    const n = text.length;
    this.reserve(n + 2);
    const buffer = this.buffer;
    const start = this.used;
    let at = start;
    buffer[at++] = QUOTE;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (!isPlainChar(c)) {
        this.used = start;
        this.ascii(pyString(text));
        return;
      }
      buffer[at++] = c;
    }
    buffer[at++] = QUOTE;
    this.used = at;
  }

  /**
   * Appends pyStringArray(ids): `["a", "b"]`. In one loop, reserving per
   * id: a check lists every live client, so per-id calls and small copies
   * were most of writing its reply.
   */
  pyStringList(ids: readonly string[]): void {
    this.byte(OPEN_BRACKET);
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k];
      const n = id.length;
      this.reserve(n + 4);
      const buffer = this.buffer;
      const start = this.used;
      let at = start;
      if (k > 0) {
        buffer[at++] = COMMA;
        buffer[at++] = SPACE;
      }
      buffer[at++] = QUOTE;
      let plain = true;
      for (let i = 0; i < n; i++) {
        const c = id.charCodeAt(i);
        if (!isPlainChar(c)) {
          plain = false;
          break;
        }
        buffer[at++] = c;
      }
      if (plain) {
        buffer[at++] = QUOTE;
        this.used = at;
      } else {
        this.used = start + (k > 0 ? 2 : 0);
        this.ascii(pyString(id));
      }
    }
    this.byte(CLOSE_BRACKET);
  }

  /** Appends a non-negative safe integer in decimal. */
  integer(value: number): void {
    this.reserve(16);
    const buffer = this.buffer;
    if (value <= INT32_MAX) {
      // Int32 division by 10 compiles to a multiply and a shift; a double's
      // (Math.floor of a float division) was ~2% of the node's time, two
      // numbers per reply.
      let digits = 1;
      for (let rest = value; rest >= 10; rest = (rest / 10) | 0) digits++;
      let at = this.used + digits;
      this.used = at;
      let rest = value | 0;
      do {
        const tenth = (rest / 10) | 0;
        buffer[--at] = DIGIT_0 + rest - 10 * tenth;
        rest = tenth;
      } while (rest > 0);
      return;
    }
    let digits = 1;
    for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    let at = this.used + digits;
    this.used = at;
    let rest = value;
    do {
      buffer[--at] = DIGIT_0 + (rest % 10);
      rest = Math.floor(rest / 10);
    } while (rest > 0);
  }

  /** Appends one ASCII byte. */
  byte(code: number): void {
    this.reserve(1);
    this.buffer[this.used++] = code;
  }

  /** Ends the current reply line. */
  endLine(): void {
    this.byte(NEWLINE);
  }

  /** The bytes written since the last take (a Buffer the caller may keep), or undefined if none. */
  take(): Buffer | undefined {
    if (this.used === 0) return undefined;
    const out = this.buffer.subarray(0, this.used);
    this.buffer = this.spares.pop() ?? Buffer.allocUnsafe(INITIAL_BYTES);
    this.used = 0;
    return out;
  }

  /** Spare buffers held (see giveBack). */
  get spareCount(): number {
    return this.spares.length;
  }

  /**
   * Bytes from `take()` that are written out and nobody reads any more:
   * their buffer may be filled again. Without this, every take allocates
   * (on a heartbeat-heavy input, a 256 KiB buffer per 64 KiB input chunk,
   * which V8 counts as external memory and collects garbage for).
   */
  giveBack(taken: Buffer): void {
    const whole = Buffer.from(taken.buffer, taken.byteOffset, taken.buffer.byteLength - taken.byteOffset);
    if (this.spares.length < SPARES && whole.length >= INITIAL_BYTES && whole.length <= SPARE_MAX_BYTES) this.spares.push(whole);
  }

  private reserve(n: number): void {
    if (this.used + n <= this.buffer.length) return;
    if (this.spill !== undefined && this.used > 0) {
      this.spill(this.take() as Buffer);
      if (n <= this.buffer.length) return;
    }
    let size = this.buffer.length * 2;
    while (size < this.used + n) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buffer.copy(grown, 0, 0, this.used);
    this.buffer = grown;
  }
}
