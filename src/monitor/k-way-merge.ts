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
  for (;;) {
    let best = -1;
    let bestKey = Infinity;
    for (let i = 0; i < k; i++) {
      const key = headKey(i);
      if (key < bestKey) {
        bestKey = key;
        best = i;
      }
    }
    if (best < 0) return;
    take(best);
  }
}
