/**
 * JSON text whose meaning needs no decoding, so that what a fast path reads
 * is exactly what JSON.parse would give for it: the pieces of the gateway's
 * regular expressions (heartbeat-fast-path.ts), and the same character set
 * as a test on one code unit or byte, for the stdio node's line scanner
 * (flat-envelope.ts, whose msg_id rule is SAFE_WHOLE's) and reply writer
 * (reply-bytes.ts).
 */

/** A string character that stands for itself: printable ASCII (0x20-0x7e) except `"` and `\` (no escape to decode; one UTF-8 byte). */
export const PLAIN_CHAR = '[ !#-\\[\\]-~]';

/** Whether a UTF-16 code unit is a PLAIN_CHAR: what py-json's pyString writes as itself (the complement of its NEEDS_ESCAPE). */
export function isPlainChar(code: number): boolean {
  return code >= 0x20 && code < 0x7f && code !== 0x22 && code !== 0x5c;
}

/** A whole number read exactly, captured: 0, or up to 15 digits without a leading zero, fraction or exponent (below 2^53). */
export const SAFE_WHOLE = '(0|[1-9][0-9]{0,14})';
