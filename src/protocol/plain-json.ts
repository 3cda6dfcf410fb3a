/**
 * The pieces of the fast paths' regular expressions (the stdio node's
 * flat-envelope.ts, the gateway's heartbeat-fast-path.ts): JSON text whose
 * meaning needs no decoding, so that what a pattern captures is exactly
 * what JSON.parse would give for it.
 */

/** A string character that stands for itself: printable ASCII (0x20-0x7e) except `"` and `\` (no escape to decode; one UTF-8 byte). */
export const PLAIN_CHAR = '[ !#-\\[\\]-~]';

/** A whole number read exactly, captured: 0, or up to 15 digits without a leading zero, fraction or exponent (below 2^53). */
export const SAFE_WHOLE = '(0|[1-9][0-9]{0,14})';
