/**
 * --allowed-origins: the browser origins that may open /ws. A browser
 * always sends Origin on a WebSocket upgrade, so a page on another site
 * cannot ride a user's network position (or cookies) into the gateway.
 * Clients that are not browsers send none and are not concerned: origin
 * is no authentication, the token is. Exact, case-insensitive match of
 * scheme://host[:port]; '*' allows any.
 */
export class OriginPolicy {
  private readonly allowed: ReadonlySet<string> | undefined;

  constructor(origins: readonly string[] | undefined) {
    this.allowed = origins === undefined || origins.includes('*') ? undefined : new Set(origins.map((o) => o.toLowerCase()));
  }

  /** `origin` is the request's Origin header ('' when absent). */
  allows(origin: string): boolean {
    return this.allowed === undefined || origin === '' || this.allowed.has(origin.toLowerCase());
  }
}

/** '--allowed-origins a,b' -> its entries; a usage error text for a malformed one. */
export function parseOrigins(raw: string): string[] | string {
  const out: string[] = [];
  for (const part of raw.split(',')) {
    const origin = part.trim();
    if (origin === '*') {
      out.push(origin);
      continue;
    }
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return `--allowed-origins: '${origin}' is not an origin (scheme://host[:port])`;
    }
    if (url.origin === 'null' || url.origin !== origin.replace(/\/$/, '').toLowerCase()) {
      return `--allowed-origins: '${origin}' is not an origin (scheme://host[:port], no path)`;
    }
    out.push(url.origin);
  }
  return out;
}
