/**
 * client_ids registered too often: more than `maxRegistrations` times in
 * `windowMs` and the id is refused for `penaltyMs` (error 32), so that two
 * holders of one id cannot move it back and forth (4001/ka_moved) forever,
 * and a client in a reconnect loop backs off.
 *
 * Layout: Map id -> {windowStart, count, refusedUntil}; one entry per id
 * registered within the last window (or still refused). Costs: O(1) per
 * registration; entries are dropped by a sweep every window, O(entries)
 * then, i.e. O(ids registered in the last window) per window, whatever
 * the traffic shape.
 */
export class FlappingIds {
  private readonly ids = new Map<string, { windowStart: number; count: number; refusedUntil: number }>();
  private lastSweep = 0;

  constructor(
    private readonly maxRegistrations: number,
    private readonly windowMs: number,
    private readonly penaltyMs: number,
  ) {}

  /** Counts a registration of `clientId` at `now`; returns the ms it is still refused for (0: allowed). */
  register(clientId: string, now: number): number {
    if (now - this.lastSweep >= this.windowMs) this.sweep(now);
    let entry = this.ids.get(clientId);
    if (entry === undefined) {
      entry = { windowStart: now, count: 0, refusedUntil: 0 };
      this.ids.set(clientId, entry);
    }
    if (entry.refusedUntil > now) return Math.ceil(entry.refusedUntil - now);
    if (now - entry.windowStart >= this.windowMs) {
      entry.windowStart = now;
      entry.count = 0;
    }
    entry.count++;
    if (entry.count <= this.maxRegistrations) return 0;
    entry.refusedUntil = now + this.penaltyMs;
    entry.count = 0;
    entry.windowStart = entry.refusedUntil;
    return this.penaltyMs;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [id, entry] of this.ids) {
      if (entry.refusedUntil <= now && now - entry.windowStart >= this.windowMs) this.ids.delete(id);
    }
  }
}
