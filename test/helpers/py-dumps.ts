/**
 * Python's `json.dumps(value)` with its defaults (ensure_ascii=True,
 * separators ", " and ": "), written here independently of src/ so that
 * tests do not check the product's encoder against itself.
 */
export type PyValue = string | number | bigint | boolean | null | PyValue[] | { [key: string]: PyValue };

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** One UTF-16 unit at a time, as CPython's py_encode_basestring_ascii does. */
export function pyDumpsString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const code = s.charCodeAt(i);
    if (SHORT_ESCAPES[ch] !== undefined) out += SHORT_ESCAPES[ch];
    else if (code >= 0x20 && code <= 0x7e) out += ch;
    else out += '\\u' + code.toString(16).padStart(4, '0');
  }
  return out + '"';
}

export function pyDumps(value: PyValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new TypeError(`pyDumps: only integers are used here, got ${value}`);
    return BigInt(value).toString();
  }
  if (typeof value === 'string') return pyDumpsString(value);
  if (Array.isArray(value)) return '[' + value.map(pyDumps).join(', ') + ']';
  return '{' + Object.entries(value).map(([k, v]) => `${pyDumpsString(k)}: ${pyDumps(v)}`).join(', ') + '}';
}
