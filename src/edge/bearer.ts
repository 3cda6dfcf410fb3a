/** The token of an `Authorization: Bearer TOKEN` header value, or null (no header, another scheme). */
export function bearer(header: string): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m === null ? null : m[1];
}
