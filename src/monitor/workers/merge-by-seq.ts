/** One shard's live clients in registration order (parallel arrays). */
export interface OrderWalk {
  ids: string[];
  seqs: Float64Array;
  lastSeen: Float64Array;
}

/**
 * Merges the shards' walks into global registration order: a k-way merge
 * by registration sequence; k (shards) is small, so a linear pick per item,
 * as in KeepAliveMonitor.mergeShards.
 */
export function mergeBySeq(walks: readonly OrderWalk[], visit: (id: string, lastSeen: number) => void): void {
  const cursor = walks.map(() => 0);
  for (;;) {
    let best = -1;
    let bestSeq = Infinity;
    for (let i = 0; i < walks.length; i++) {
      if (cursor[i] >= walks[i].ids.length) continue;
      const seq = walks[i].seqs[cursor[i]];
      if (seq < bestSeq) {
        bestSeq = seq;
        best = i;
      }
    }
    if (best < 0) return;
    const walk = walks[best];
    const at = cursor[best]++;
    visit(walk.ids[at], walk.lastSeen.length > 0 ? walk.lastSeen[at] : 0);
  }
}
