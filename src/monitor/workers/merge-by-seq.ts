import { kWayMerge } from '../k-way-merge.js';

/** One shard's live clients in registration order (parallel arrays). */
export interface OrderWalk {
  ids: string[];
  seqs: Float64Array;
  lastSeen: Float64Array;
}

/** Merges the shards' walks into global registration order (k-way-merge.ts). */
export function mergeBySeq(walks: readonly OrderWalk[], visit: (id: string, lastSeen: number) => void): void {
  const cursor = walks.map(() => 0);
  kWayMerge(
    walks.length,
    (i) => (cursor[i] < walks[i].ids.length ? walks[i].seqs[cursor[i]] : Infinity),
    (i) => {
      const walk = walks[i];
      const at = cursor[i]++;
      visit(walk.ids[at], walk.lastSeen.length > 0 ? walk.lastSeen[at] : 0);
    },
  );
}
