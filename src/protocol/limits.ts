/** Limits of the wire protocol (spec section 1, "Errors and bad input"). */
export const CLIENT_ID_MAX_BYTES = 256;
export const DURATION_MAX_MS = 2 ** 31 - 1;
export const TIME_MAX_MS = Number.MAX_SAFE_INTEGER;
/** A stdio line longer than this (without its line end) is refused. */
export const LINE_MAX_BYTES = 1024 * 1024;
