/**
 * Expired clients not yet handed out by a check: one group per sweep that
 * found any, in the order the sweeps ran; registration order within a group.
 */
export class ExpiryReports {
  private queued: string[] = [];

  get size(): number {
    return this.queued.length;
  }

  /** Queues one sweep's expiries: the first `count` entries of `ids` and `seqs` (in any order). */
  add(ids: readonly string[], seqs: readonly number[], count: number): void {
    if (count === 1) {
      this.queued.push(ids[0]);
      return;
    }
    const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => seqs[a] - seqs[b]);
    for (const i of order) this.queued.push(ids[i]);
  }

  /** Everything queued, oldest first; the queue is left empty. */
  drain(): string[] {
    const out = this.queued;
    this.queued = [];
    return out;
  }
}
