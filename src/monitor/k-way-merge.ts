/**
 * The k-way merge of lists each already in order of a key (registration
 * sequence): the in-process monitor's shards, the worker shards' walks,
 * the gateway's I/O threads. k is small (shards, threads), so a linear
 * pick per item, no heap: O(n k) for n items.
 *
 * `headKey(i)`: the key of list i's next item, Infinity when it has none.
 * `take(i)`: consume list i's next item. Ties go to the lower list.
 */
export function kWayMerge(k: number, headKey: (list: number) => number, take: (list: number) => void): void {
  for (let best = kWayPick(k, headKey); best >= 0; best = kWayPick(k, headKey)) take(best);
}

/** One step of the merge, for merges that pause between items (a cursor refilled from other threads): the list whose next item comes first, -1 when none has one. */
export function kWayPick(k: number, headKey: (list: number) => number): number {
  let best = -1;
  let bestKey = Infinity;
  for (let i = 0; i < k; i++) {
    const key = headKey(i);
    if (key < bestKey) {
      bestKey = key;
      best = i;
    }
  }
  return best;
}
