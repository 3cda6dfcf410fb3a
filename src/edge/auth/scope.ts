import type { JWTPayload } from 'jose';

/**
 * What a verified token lets its connection register, as the connection
 * keeps it for its whole life: the one id of `sub` as the string itself
 * (a device's token: the common case, no object of its own), or a Grant
 * when the token lists `client_ids` or a `client_id_prefix` (a
 * multiplexing edge). Nothing else of the token is kept: its expiry is a
 * close deadline (edge.ts), its payload is garbage after verification.
 */
export type Scope = string | Grant;

/** Several ids and/or a prefix. Immutable. */
export class Grant {
  constructor(
    /** The ids named exactly: one string, or a Set for two or more. */
    private readonly ids: string | ReadonlySet<string> | undefined,
    private readonly prefix: string | undefined,
  ) {}

  covers(clientId: string): boolean {
    const ids = this.ids;
    if (typeof ids === 'string' ? ids === clientId : ids?.has(clientId) === true) return true;
    return this.prefix !== undefined && clientId.startsWith(this.prefix);
  }
}

export function scopeCovers(scope: Scope, clientId: string): boolean {
  return typeof scope === 'string' ? scope === clientId : scope.covers(clientId);
}

/** The scope of a verified payload (`sub`, `client_ids`, `client_id_prefix`); undefined when it names no client id at all. */
export function scopeOfClaims(payload: JWTPayload): Scope | undefined {
  const ids = new Set<string>();
  if (typeof payload.sub === 'string' && payload.sub !== '') ids.add(payload.sub);
  const listed: unknown = payload.client_ids;
  if (Array.isArray(listed)) {
    for (const id of listed) if (typeof id === 'string' && id !== '') ids.add(id);
  }
  const prefix = typeof payload.client_id_prefix === 'string' && payload.client_id_prefix !== '' ? payload.client_id_prefix : undefined;
  if (ids.size === 0 && prefix === undefined) return undefined;
  const exact = ids.size === 0 ? undefined : ids.size === 1 ? (ids.values().next().value as string) : ids;
  return prefix === undefined && typeof exact === 'string' ? exact : new Grant(exact, prefix);
}
