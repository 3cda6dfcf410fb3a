/**
 * The main thread's half of a shard task: turns the slots a worker found
 * into ids (read from the owning Shard), tells the transport, and forgets
 * the released ids, in chunks of CHUNK slots with a yield to the event loop
 * between them, so that no turn does more than about a millisecond of work
 * however many clients expired at once. The shard stays lent meanwhile.
 */
import type { LiveMonitorEvents } from '../live-monitor.js';
import type { OrderWalk } from './merge-by-seq.js';
import type { ShardHost } from './shard-host.js';
import type { ShardTaskResult } from './shard-task.js';

/**
 * Slots delivered per event-loop turn: an id load and a Map delete each
 * (~0.5 us, the delete dominates), so about 1 ms of main-thread work.
 */
const CHUNK = 2048;

export interface DeliveredFindings {
  /** With queued reports only: the expired ids and their registration sequences. */
  expiredIds: string[];
  expiredSeqs: number[];
  /** check/status: the shard's live clients in registration order. */
  walk: OrderWalk;
}

export interface DeliveryOptions {
  events: LiveMonitorEvents;
  queueReports: boolean;
  /** The task swept at `now` (crash repair counts pings up to the last sweep). */
  swept: boolean;
}

export async function deliverFindings(
  host: ShardHost,
  result: ShardTaskResult,
  now: number,
  { events, queueReports, swept }: DeliveryOptions,
): Promise<DeliveredFindings> {
  const shard = host.shard;
  const expiredIds: string[] = [];
  const expiredSeqs: number[] = [];
  const n = result.expiredSlots.length;
  // Emptied (a mass expiry): one Map.clear at the end instead of a delete per id.
  const emptied = shard.size === 0 && n > 0;
  const toldAny = host.toldAny;
  for (let start = 0; start < n; start += CHUNK) {
    const end = Math.min(n, start + CHUNK);
    const ids: string[] = [];
    const deadlines: number[] = [];
    for (let i = start; i < end; i++) {
      const slot = result.expiredSlots[i];
      const id = shard.idOf(slot);
      if (queueReports) {
        expiredIds.push(id);
        expiredSeqs.push(result.expiredSeqs[i]);
      }
      if (!toldAny || !host.toldExpired(slot)) {
        ids.push(id);
        deadlines.push(result.expiredDeadlines[i]);
      }
      if (emptied) shard.endReleased(slot);
      else shard.forgetReleased(slot);
    }
    if (ids.length > 0) events.expired?.({ count: ids.length, ids, deadlines }, now);
    if (end < n) await nextTurn();
  }
  if (emptied) shard.forgetAllIds();
  const pings = result.pingSlots.length;
  for (let start = 0; start < pings; start += CHUNK) {
    const end = Math.min(pings, start + CHUNK);
    const ids: string[] = [];
    for (let i = start; i < end; i++) ids.push(shard.idOf(result.pingSlots[i]));
    events.ping?.({ count: ids.length, ids, handles: Array.from(result.pingHandles.subarray(start, end)) }, now);
    if (end < pings) await nextTurn();
  }
  if (swept) host.pingedUpTo = now;
  const ids: string[] = [];
  const listed = result.orderSlots.length;
  for (let start = 0; start < listed; start += CHUNK) {
    const end = Math.min(listed, start + CHUNK);
    for (let i = start; i < end; i++) ids.push(shard.idOf(result.orderSlots[i]));
    if (end < listed) await nextTurn();
  }
  return { expiredIds, expiredSeqs, walk: { ids, seqs: result.orderSeqs, lastSeen: result.orderLastSeen } };
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
