import { isPlainChar } from '../../protocol/plain-json.js';
import { pyString } from '../../protocol/py-json.js';

// A 64 KiB input chunk of heartbeats takes about 90 KiB of replies.
const INITIAL_BYTES = 1 << 18;
const NEWLINE = 0x0a;
const QUOTE = 0x22;
const DIGIT_0 = 0x30;
/** Above this length a string is copied by Buffer.latin1Write (one native call, ~0.1 us) rather than by a loop (a few ns a character). */
const NATIVE_COPY_CHARS = 48;

/** The bytes of an ASCII constant, for `ReplyBytes.constant` (a memcpy, not a loop over characters). */
export function asciiBytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/**
 * The stdio node's reply lines of one input chunk, written as bytes as they
 * are encoded: no string per reply, no join, no latin1 conversion at the
 * end (on a heartbeat-heavy input the reply strings were most of what the
 * node allocated per line, and so of its GC time).
 *
 * LAYOUT: one Buffer, filled from 0 to `used`; doubled when full (the bytes
 * so far are copied once). `take()` hands the filled part over (the stream
 * keeps it until written) and starts a fresh buffer of the initial size (a
 * status reply's megabytes are not kept for every chunk). Replies are pure
 * ASCII (pyString escapes everything else), so a character is a byte.
 *
 * COSTS: O(1) per byte written, amortized; one Buffer allocation per take.
 */
export class ReplyBytes {
  private buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  private used = 0;

  /** Appends bytes made by asciiBytes. */
  constant(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.used);
    this.used += bytes.length;
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

  /** Appends a non-negative safe integer in decimal. */
  integer(value: number): void {
    this.reserve(16);
    const buffer = this.buffer;
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
    this.buffer = Buffer.allocUnsafe(INITIAL_BYTES);
    this.used = 0;
    return out;
  }

  private reserve(n: number): void {
    if (this.used + n <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.used + n) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buffer.copy(grown, 0, 0, this.used);
    this.buffer = grown;
  }
}
