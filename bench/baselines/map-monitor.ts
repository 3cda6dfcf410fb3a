/** One client of the baseline: a plain object per client, as a straightforward implementation keeps it. */
interface MapClient {
  lastSeen: number;
  timeoutMs: number;
}

/**
 * The straightforward keep-alive monitor: a Map in registration order
 * (insertion order; re-setting a live key keeps its place), scanned in full
 * on every sweep. The reference every keepwatch figure is compared with.
 */
export class MapMonitor {
  readonly clients = new Map<string, MapClient>();
  /** The last sweep's expired ids, reused like keepwatch's SweepBatch. */
  readonly expired: string[] = [];

  register(id: string, timeoutMs: number, now: number): void {
    const client = this.clients.get(id);
    if (client) {
      client.lastSeen = now;
      client.timeoutMs = timeoutMs;
    } else {
      this.clients.set(id, { lastSeen: now, timeoutMs });
    }
  }

  /** Lookup + update: the cost keepwatch's heartbeat by client_id is held to. */
  heartbeat(id: string, now: number): boolean {
    const client = this.clients.get(id);
    if (client === undefined) return false;
    client.lastSeen = now;
    return true;
  }

  /** Expires every client silent for more than its timeout; returns how many. */
  sweep(now: number): number {
    const expired = this.expired;
    expired.length = 0;
    for (const [id, client] of this.clients) {
      if (now - client.lastSeen > client.timeoutMs) {
        expired.push(id);
        this.clients.delete(id);
      }
    }
    return expired.length;
  }
}
