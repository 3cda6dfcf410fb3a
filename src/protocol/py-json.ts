/**
 * JSON text byte-identical to Python's `json.dumps` with its defaults:
 * `", "` and `": "` separators, every character outside printable ASCII
 * escaped as \uXXXX (lowercase hex, surrogate pairs above U+FFFF). The
 * replies of the stdio node must match a Python reference implementation
 * byte for byte.
 */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\uffff]/;

const NON_ASCII = /[\u007f-\uffff]/g;

function escapeUnit(c: string): string {
  return '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');
}

/** A JSON string literal, Python style. */
export function pyString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  // JSON.stringify already writes \" \\ \b \f \n \r \t and \u00XX exactly as
  // Python does, and escapes lone surrogates; only non-ASCII is left to do.
  return JSON.stringify(s).replace(NON_ASCII, escapeUnit);
}

/** An integer as Python prints an int (whole doubles past 2^53 included). */
export function pyInteger(n: number | bigint): string {
  if (typeof n === 'bigint' || Number.isSafeInteger(n)) return String(n);
  if (Number.isInteger(n)) return BigInt(n).toString();
  throw new TypeError(`not an integer: ${n}`);
}

/** A JSON array of strings, Python style. */
export function pyStringArray(items: readonly string[]): string {
  if (items.length === 0) return '[]';
  let out = '[' + pyString(items[0]);
  for (let i = 1; i < items.length; i++) out += ', ' + pyString(items[i]);
  return out + ']';
}
