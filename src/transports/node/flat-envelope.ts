import { CLIENT_ID_MAX_BYTES, DURATION_MAX_MS } from '../../protocol/limits.js';
import { isPlainChar } from '../../protocol/plain-json.js';
import type { KeepAliveRequest, RegisterRequest } from '../../protocol/requests.js';
import type { Envelope } from './envelope.js';

/**
 * The stdio node's fast path for its hottest lines: heartbeats and
 * registrations of the shape
 *   {"src":"c1","dest":"n1","body":{"type":"ka_heartbeat","client_id":"a","msg_id":7}}
 * (body keys type, client_id, msg_id, with msg_id second or third), the
 * fire-and-forget heartbeat without msg_id (body keys type, client_id),
 * and a registration's own settings between client_id and msg_id:
 *   ..."client_id":"a","timeout_ms":60000,"ping_interval_ms":20000,"msg_id":8}}
 * (either or both, in that order).
 * JSON.parse of such a line is most of the node's time (measured: ~1 µs a
 * line), and it builds objects that die at once. The scanner here reads
 * the line's bytes in place (the input chunk, before any decoding): it
 * allocates nothing and records where each value lies, so that a heartbeat
 * costs one string (its client_id, for the lookup) and everything else is
 * copied from the line into the reply.
 *
 * It accepts a strict subset of JSON whose meaning is unambiguous, so
 * whatever it accepts, `parseEnvelope(text)` would return the same
 * envelope (test/node/flat-envelope.test.ts checks this on random lines);
 * anything else is declined and takes JSON.parse's path:
 *   - whitespace: spaces only (compact and Python-style separators);
 *   - strings: printable ASCII (0x20-0x7e) without `"` or `\` (PLAIN_CHAR),
 *     so the text between the quotes is the value (no escapes to decode)
 *     and is written back into a reply as it stands;
 *   - msg_id, timeout_ms, ping_interval_ms: 0 or up to 15 digits without
 *     a leading zero, fraction or exponent (SAFE_WHOLE), so the value is
 *     exact (below 2^53) and whole;
 *   - exactly these keys, each once (no duplicate for JSON.parse to resolve).
 *
 * LAYOUT: one FlatLine per session, overwritten by every scan: the bytes
 * the line lies in, the [start, end) offsets in them of src, dest, type and
 * client_id (between the quotes), and the values of msg_id, timeout_ms and
 * ping_interval_ms (NO_MSG_ID, NO_VALUE: absent).
 * COSTS: O(line length), no allocation.
 */
export class FlatLine {
  /** The line's bytes are bytes[start, end). */
  bytes: Buffer = EMPTY;
  srcStart = 0;
  srcEnd = 0;
  destStart = 0;
  destEnd = 0;
  typeStart = 0;
  typeEnd = 0;
  idStart = 0;
  idEnd = 0;
  /** msg_id, or NO_MSG_ID (kept a number so the record's shape never changes). */
  msgId = NO_MSG_ID;
  timeoutMs = NO_VALUE;
  pingIntervalMs = NO_VALUE;
  /** The value the last `whole` read. */
  private number = 0;
  /** Where the scan is, and where the line ends; only meaningful during `scan`. */
  private at = 0;
  private end = 0;

  /** Reads the line bytes[start, end) into this record; false (record undefined) if it is not of the hot shape. */
  scan(bytes: Buffer, start: number, end: number): boolean {
    this.bytes = bytes;
    this.at = start;
    this.end = end;
    this.spaces();
    if (!this.char(OPEN) || !this.key(SRC)) return false;
    this.srcStart = this.at + 1;
    if (!this.string()) return false;
    this.srcEnd = this.at - 1;
    if (!this.comma() || !this.key(DEST)) return false;
    this.destStart = this.at + 1;
    if (!this.string()) return false;
    this.destEnd = this.at - 1;
    if (!this.comma() || !this.key(BODY) || !this.char(OPEN) || !this.key(TYPE)) return false;
    this.typeStart = this.at + 1;
    if (!this.string()) return false;
    this.typeEnd = this.at - 1;
    if (!this.comma() || !this.bodyRest()) return false;
    this.spaces();
    if (!this.char(CLOSE)) return false;
    this.spaces();
    if (!this.char(CLOSE)) return false;
    this.spaces();
    return this.at === end;
  }

  /** The type is the one `asciiType` holds (its ASCII bytes). */
  typeIs(asciiType: Uint8Array): boolean {
    return this.typeEnd - this.typeStart === asciiType.length && this.bytesAre(this.typeStart, asciiType);
  }

  /** bytes[from, to) as a string (the scan let only ASCII through, so latin1 is UTF-8 here). */
  text(from: number, to: number): string {
    return this.bytes.toString('latin1', from, to);
  }

  /**
   * After `"type": "..." ,`: client_id, then timeout_ms and
   * ping_interval_ms if there (in that order), then msg_id if there; or
   * msg_id then client_id.
   */
  private bodyRest(): boolean {
    this.spaces();
    this.timeoutMs = NO_VALUE;
    this.pingIntervalMs = NO_VALUE;
    if (this.bytesAre(this.at, CLIENT_ID)) {
      if (!this.clientId()) return false;
      if (this.nextKeyIs(TIMEOUT_MS)) {
        if (!this.key(TIMEOUT_MS) || !this.whole()) return false;
        this.timeoutMs = this.number;
      }
      if (this.nextKeyIs(PING_INTERVAL_MS)) {
        if (!this.key(PING_INTERVAL_MS) || !this.whole()) return false;
        this.pingIntervalMs = this.number;
      }
      this.msgId = NO_MSG_ID;
      if (!this.nextKeyIs(MSG_ID)) return true;
      if (!this.key(MSG_ID) || !this.whole()) return false;
      this.msgId = this.number;
      return true;
    }
    if (!this.key(MSG_ID) || !this.whole()) return false;
    this.msgId = this.number;
    return this.comma() && this.clientId();
  }

  /** Whether ` *, *"name"` follows (`quoted`: the name with its quotes); if so, steps past the comma. */
  private nextKeyIs(quoted: Uint8Array): boolean {
    const bytes = this.bytes;
    const end = this.end;
    let at = this.at;
    while (at < end && bytes[at] === SPACE) at++;
    if (at >= end || bytes[at] !== COMMA) return false;
    at++;
    while (at < end && bytes[at] === SPACE) at++;
    if (!this.bytesAre(at, quoted)) return false;
    this.at = at;
    return true;
  }

  private clientId(): boolean {
    if (!this.key(CLIENT_ID)) return false;
    this.idStart = this.at + 1;
    if (!this.string()) return false;
    this.idEnd = this.at - 1;
    return true;
  }

  /** Whether bytes from `at` on are `expected`'s (within the line). */
  private bytesAre(at: number, expected: Uint8Array): boolean {
    const n = expected.length;
    if (at + n > this.end) return false;
    const bytes = this.bytes;
    for (let i = 0; i < n; i++) if (bytes[at + i] !== expected[i]) return false;
    return true;
  }

  private spaces(): void {
    const bytes = this.bytes;
    const end = this.end;
    let at = this.at;
    while (at < end && bytes[at] === SPACE) at++;
    this.at = at;
  }

  private char(code: number): boolean {
    if (this.at >= this.end || this.bytes[this.at] !== code) return false;
    this.at++;
    return true;
  }

  /** ` *,` */
  private comma(): boolean {
    this.spaces();
    return this.char(COMMA);
  }

  /** ` *"name" *: *` (`quoted`: the name with its quotes, as bytes). */
  private key(quoted: Uint8Array): boolean {
    this.spaces();
    if (!this.bytesAre(this.at, quoted)) return false;
    this.at += quoted.length;
    this.spaces();
    if (!this.char(COLON)) return false;
    this.spaces();
    return true;
  }

  /** A string of plain characters, quotes included. */
  private string(): boolean {
    const bytes = this.bytes;
    const end = this.end;
    let at = this.at;
    if (at >= end || bytes[at] !== QUOTE) return false;
    at++;
    while (at < end && isPlainChar(bytes[at])) at++;
    if (at >= end || bytes[at] !== QUOTE) return false;
    this.at = at + 1;
    return true;
  }

  /** A number field's value, into `number`: `0` or 1 to 15 digits without a leading zero (SAFE_WHOLE). */
  private whole(): boolean {
    const bytes = this.bytes;
    const end = this.end;
    const start = this.at;
    let at = start;
    let value = 0;
    for (; at < end && bytes[at] >= DIGIT_0 && bytes[at] <= DIGIT_9; at++) value = value * 10 + (bytes[at] - DIGIT_0);
    const digits = at - start;
    if (digits === 0 || digits > 15 || (digits > 1 && bytes[start] === DIGIT_0)) return false;
    this.number = value;
    this.at = at;
    return true;
  }
}

const EMPTY = Buffer.alloc(0);
const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const SRC = ascii('"src"');
const DEST = ascii('"dest"');
const BODY = ascii('"body"');
const TYPE = ascii('"type"');
const CLIENT_ID = ascii('"client_id"');
const MSG_ID = ascii('"msg_id"');
const TIMEOUT_MS = ascii('"timeout_ms"');
const PING_INTERVAL_MS = ascii('"ping_interval_ms"');
/** The types of the hottest lines, for FlatLine.typeIs. */
export const KA_HEARTBEAT = ascii('ka_heartbeat');
export const KA_REGISTER = ascii('ka_register');

/** FlatLine.msgId when the line has none (a msg_id is never negative). */
export const NO_MSG_ID = -1;
/** FlatLine.timeoutMs, pingIntervalMs when the line has none. */
const NO_VALUE = -1;

const SPACE = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/**
 * The request parseKeepAliveRequest would build from a flat ka_register
 * line, or undefined when a field check could fail (the full path then
 * reports it). Makes one string: the client id.
 */
export function flatRegisterRequest(flat: FlatLine): RegisterRequest | undefined {
  if (!flatIdFits(flat) || !settingFits(flat.timeoutMs) || !settingFits(flat.pingIntervalMs)) return undefined;
  return registerRequest(flat.text(flat.idStart, flat.idEnd), flat);
}

/** The envelope of a scanned line (what parseEnvelope would return for it). */
export function flatEnvelope(flat: FlatLine): Envelope {
  const clientId = flat.text(flat.idStart, flat.idEnd);
  const src = flat.text(flat.srcStart, flat.srcEnd);
  const dest = flat.text(flat.destStart, flat.destEnd);
  const type = flat.text(flat.typeStart, flat.typeEnd);
  const msgId = flat.msgId === NO_MSG_ID ? undefined : flat.msgId;
  const body: Record<string, unknown> = { type, client_id: clientId };
  if (flat.timeoutMs !== NO_VALUE) body.timeout_ms = flat.timeoutMs;
  if (flat.pingIntervalMs !== NO_VALUE) body.ping_interval_ms = flat.pingIntervalMs;
  if (msgId !== undefined) body.msg_id = msgId;
  const request = hotRequest(type, clientId, flat);
  return request ? { src, dest, body, msgId, request } : { src, dest, body, msgId };
}

/** Whether the id passes the client_id check (1 to CLIENT_ID_MAX_BYTES bytes): a flat id is ASCII, so its length is its byte count. */
export function flatIdFits(flat: FlatLine): boolean {
  return idLengthFits(flat.idEnd - flat.idStart);
}

const idLengthFits = (length: number): boolean => length > 0 && length <= CLIENT_ID_MAX_BYTES;

/** A setting the register request takes as it stands: absent, or in 1..DURATION_MAX_MS (requests.ts; else the full path reports it). */
const settingFits = (value: number): boolean => value === NO_VALUE || (value >= 1 && value <= DURATION_MAX_MS);
const setting = (value: number): number | undefined => (value === NO_VALUE ? undefined : value);

/**
 * The request parseKeepAliveRequest would build from such a body, for the
 * two types whose fields the shape holds entirely; undefined when a field
 * check could fail (the full path then reports it).
 */
function hotRequest(type: string, clientId: string, flat: FlatLine): KeepAliveRequest | undefined {
  if (!idLengthFits(clientId.length)) return undefined;
  if (type === 'ka_heartbeat') return { type, clientId };
  if (type !== 'ka_register' || !settingFits(flat.timeoutMs) || !settingFits(flat.pingIntervalMs)) return undefined;
  return registerRequest(clientId, flat);
}

function registerRequest(clientId: string, flat: FlatLine): RegisterRequest {
  return { type: 'ka_register', clientId, timeoutMs: setting(flat.timeoutMs), pingIntervalMs: setting(flat.pingIntervalMs) };
}
