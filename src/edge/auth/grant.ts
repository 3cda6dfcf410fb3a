import type { JWTPayload } from 'jose';

/**
 * What a verified token lets its connection register: the id in `sub`,
 * the ids listed in `client_ids`, and every id starting with
 * `client_id_prefix` (a multiplexing edge). Immutable; one per connection.
 */
export class Grant {
  private constructor(
    private readonly ids: ReadonlySet<string>,
    private readonly prefix: string | undefined,
    /** Epoch ms at which the token expires (its `exp`); undefined: no exp claim. */
    readonly expiresAtMs: number | undefined,
  ) {}

  /** The grant of a verified payload; undefined when it names no client id at all. */
  static fromClaims(payload: JWTPayload): Grant | undefined {
    const ids = new Set<string>();
    if (typeof payload.sub === 'string' && payload.sub !== '') ids.add(payload.sub);
    const listed: unknown = payload.client_ids;
    if (Array.isArray(listed)) {
      for (const id of listed) if (typeof id === 'string' && id !== '') ids.add(id);
    }
    const prefix = typeof payload.client_id_prefix === 'string' && payload.client_id_prefix !== '' ? payload.client_id_prefix : undefined;
    if (ids.size === 0 && prefix === undefined) return undefined;
    return new Grant(ids, prefix, typeof payload.exp === 'number' ? payload.exp * 1000 : undefined);
  }

  covers(clientId: string): boolean {
    return this.ids.has(clientId) || (this.prefix !== undefined && clientId.startsWith(this.prefix));
  }
}
