/**
 * What one sweep found, as parallel arrays (no object per client), in
 * deadline order. Reused across sweeps: `clear()` keeps the arrays' storage.
 */
export class SweepBatch {
  /** Expired clients: id, registration sequence, deadline (last_seen + timeout). */
  readonly expiredIds: string[] = [];
  readonly expiredSeqs: number[] = [];
  readonly expiredDeadlines: number[] = [];
  /** Clients due a ping: id and the handle of their current life. */
  readonly pingIds: string[] = [];
  readonly pingHandles: number[] = [];

  get expiredCount(): number {
    return this.expiredIds.length;
  }

  get pingCount(): number {
    return this.pingIds.length;
  }

  addExpired(id: string, regSeq: number, deadline: number): void {
    this.expiredIds.push(id);
    this.expiredSeqs.push(regSeq);
    this.expiredDeadlines.push(deadline);
  }

  addPing(id: string, handle: number): void {
    this.pingIds.push(id);
    this.pingHandles.push(handle);
  }

  clear(): void {
    this.expiredIds.length = 0;
    this.expiredSeqs.length = 0;
    this.expiredDeadlines.length = 0;
    this.pingIds.length = 0;
    this.pingHandles.length = 0;
  }
}
