/**
 * A whole number as every operator-facing text gives it (command-line
 * flags, config values, query parameters): decimal digits only, at most
 * 15 of them (so the value is exact). '0x10', '1e1', ' 4', '4.0', '-1' and
 * '' are refused, though Number() takes most of them. The wire protocol's
 * numbers are JSON's instead (fields.ts: 3e4 is 30000 there, as in Python).
 */
export function parseDecimalWhole(raw: string): number | undefined {
  return /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}
