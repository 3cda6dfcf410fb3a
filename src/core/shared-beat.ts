/**
 * The heartbeat any thread can record: one Atomics.store of last_seen into
 * the slot's BEAT word, and the rule that makes it safe.
 *
 * MEMORY-ORDERING RULE (every shared access of a shard follows it)
 *
 * 1. BEAT is the only slot field written by a thread that does not hold the
 *    shard. Such writers use Atomics.store; the sweeping thread reads it with
 *    Atomics.load. Both are sequentially consistent: a beat stored before
 *    the sweeper's load is seen by it. An int32 never tears. The thread that
 *    holds the shard stores its own heartbeats plainly (Shard.heartbeat): it
 *    is the sweeper, so program order already puts them before its loads.
 * 2. Every other field (and the wheel, the header) is written only by the
 *    thread that holds the shard: its owner, or the worker the owner lent it
 *    to, never both at once. The hand-over (a worker message) orders those
 *    plain accesses. While the shard is lent the owner reads TIMEOUT,
 *    TBOUND, REG_SEQ, GEN and last_seen; of those a sweep writes only SEEN
 *    (a STATE it stores keeps GEN and TBOUND as they were) (below),
 *    which moves between values that all unwrap the same BEAT to the same
 *    last_seen, and an aligned float64 is one 8-byte move on the 64-bit
 *    platforms Node runs on, so it is read whole.
 * 3. STATE is read by writers with Atomics.load and changed by the sweeper
 *    with Atomics.store when it expires a client (in a shard made with
 *    `beatsFromOtherThreads`, which beatFromAnyThread requires; without it
 *    nothing but the holding thread writes BEAT and an expiry takes no fence). The sweeper clears LIVE
 *    first and then loads BEAT again; a writer stores BEAT and then loads
 *    STATE. With sequentially consistent atomics at least one of the two sees
 *    the other: the sweeper sees the new beat (and the client lives on), or
 *    the writer sees the client gone (and reports the heartbeat refused), or
 *    both (the client lives on after a refusal: a false refusal in a window
 *    of nanoseconds). A heartbeat reported as recorded is never lost to an
 *    expiry.
 * 4. BEAT holds last_seen mod 2^32 (ToInt32). The sweeper unwraps it against
 *    SEEN, the latest last_seen it read: last_seen = SEEN + (BEAT - SEEN)
 *    taken as a signed 32-bit difference. That is exact while the beat is
 *    within 2^31 ms (24.8 days) of SEEN, which any heartbeat within the
 *    client's timeout (at most 2^31 - 1 ms) is. A beat that reads as older
 *    than SEEN (a writer whose clock lagged) is ignored: last_seen never
 *    goes back, and an older heartbeat can only make a client live longer
 *    than a later one already did not.
 * 5. A writer that stored into a slot whose life ended between its GEN check
 *    and its store finds the GEN changed when it loads STATE again and
 *    reports false; the beat it left is at most its clock's reading, so the
 *    slot's next occupant (registered at about that time) is at worst seen a
 *    few microseconds later than it was.
 */
import { BEAT, HOT_STRIDE, isLiveLife, PAGE_MASK, PAGE_SHIFT, slotOf, STATE, type SlotStore } from './slot-store.js';

/** The slot's BEAT word index within its hot page. */
function beatIndex(slot: number): number {
  return (slot & PAGE_MASK) * HOT_STRIDE + BEAT;
}

/** Records `now` as last_seen of `slot` (rule 1). */
export function storeBeat(slots: SlotStore, slot: number, now: number): void {
  Atomics.store(slots.hotPages[slot >>> PAGE_SHIFT], beatIndex(slot), now | 0);
}

/** The beat as last stored, unwrapped against `seen` (rule 4). */
export function loadLastSeen(slots: SlotStore, slot: number, seen: number): number {
  const beat = Atomics.load(slots.hotPages[slot >>> PAGE_SHIFT], beatIndex(slot));
  const lastSeen = seen + ((beat - (seen | 0)) | 0);
  return lastSeen > seen ? lastSeen : seen;
}

/**
 * A heartbeat from any thread, by handle: true when it was recorded for the
 * life the handle names and that life had not ended (rules 3 and 5). Only
 * BEAT is written. The shard must have been made with
 * `beatsFromOtherThreads` (its sweeps then fence each expiry: rule 3).
 */
export function beatFromAnyThread(slots: SlotStore, handle: number, now: number): boolean {
  const slot = slotOf(handle);
  const page = slots.hotPages[slot >>> PAGE_SHIFT];
  if (page === undefined) return false;
  const stateIndex = (slot & PAGE_MASK) * HOT_STRIDE + STATE;
  if (!isLiveLife(Atomics.load(page, stateIndex), slot, handle)) return false;
  Atomics.store(page, beatIndex(slot), now | 0);
  return isLiveLife(Atomics.load(page, stateIndex), slot, handle);
}
