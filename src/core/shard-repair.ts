/**
 * Crash repair: a view (a worker) died half-way through a sweep of a lent
 * shard, leaving the wheel, the order and the free list in any state. The
 * owner rebuilds them from what a sweep never loses: the slot fields and
 * its own id index (id-index.ts). Clients the dead view released but nobody
 * was told about are live again, with their handles still valid (a release
 * never writes GEN: slot-store.ts).
 *
 * COSTS: O(n log n) for n live clients (the sort by registration) +
 * O(slots ever taken) (the free list) + the wheel's fixed reset; only after
 * a crash.
 */
import { PINGED, SEEN, STATE } from './slot-store.js';
import type { SharedShard } from './shared-shard.js';

/**
 * `live` become the shard's live clients, in registration order, each filed
 * at its next time; every other slot is free. A client counts as pinged in
 * its silence only if that ping was due by `pingedUpTo`, the time of the
 * last sweep whose findings were delivered (a ping the dead view found was
 * never sent).
 */
export function relinkShard(shard: SharedShard, live: readonly number[], pingedUpTo: number): void {
  const slots = shard.slots;
  const byReg = [...live].sort((a, b) => shard.regSeq(a) - shard.regSeq(b));
  slots.rebuild(byReg);
  const times = byReg.map((slot) => {
    const lastSeen = shard.lastSeen(slot);
    slots.setF64(slot, SEEN, lastSeen);
    const state = slots.hot(slot, STATE);
    const delivered = (state & PINGED) !== 0 && shard.pingDueAt(lastSeen, shard.pingIntervalOf(slot)) <= pingedUpTo;
    slots.setHot(slot, STATE, delivered ? state : state & ~PINGED);
    return shard.nextLookAt(slot, lastSeen, -Infinity, delivered);
  });
  let cur = shard.wheel.cur;
  for (const t of times) if (t < cur) cur = t;
  shard.wheel.reset(cur);
  byReg.forEach((slot, i) => shard.wheel.file(slot, times[i]));
}
