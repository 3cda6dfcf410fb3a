import type { Clock } from '../monitor/clock.js';
import type { ClientEntry } from '../transports/gateway/connection.js';
import { measuredMs } from '../transports/gateway/round-trip.js';
import type { ClientPage, ClientRow } from './wire.js';

export type ClientOrder = 'oldest' | 'newest';

/** The table's first page (what an unparsed query means). */
export const DEFAULT_CLIENT_QUERY: ClientPageQuery = { prefix: '', order: 'oldest', offset: 0, limit: 50 };

export interface ClientPageQuery {
  /** Only client_ids starting with this ('' = all). */
  prefix: string;
  /** oldest: longest silent (oldest last seen) first; newest: most recently seen first. */
  order: ClientOrder;
  offset: number;
  limit: number;
}

/** Entries looked at between two turns of the event loop: the gateway's keep-alive work runs in between. */
const SCAN_CHUNK = 4096;
/** Sort keys pack (age, index) into one float64: index < 2^21, age < 2^32 ms (49 days; older ages tie). */
const INDEX_BITS = 2 ** 21;
const AGE_CAP = 2 ** 32 - 1;

/** A thread's part of a table page, with each row's last seen on the process's one time line (Clock.epochMs). */
export interface ThreadClientPage {
  page: ClientPage;
  seenAtMs: number[];
}

/**
 * The client table's query, over the gateway's live registry. Cost: one
 * pass over every client (O(n), in chunks of SCAN_CHUNK with a turn of the
 * event loop between, so 100,000 clients never block the gateway for more
 * than one chunk), then one numeric sort of the m matches' packed keys
 * (O(m log m) on a Float64Array, no comparator calls; above 2^21 matches a
 * comparator sort, slower but correct). Memory: O(m) for the keys and
 * entries. Clients may come and go during the pass: the page is a
 * snapshot as of the pass, each row as of when it was read.
 */
export async function queryClients(entries: () => Iterator<ClientEntry>, total: () => number, clock: Clock, q: ClientPageQuery, thread?: number): Promise<ClientPage> {
  return (await queryThreadClients(entries, total, clock, q, thread)).page;
}

/** queryClients, with each row's last seen as Clock.epochMs (for mergeClientPages). */
export async function queryThreadClients(entries: () => Iterator<ClientEntry>, total: () => number, clock: Clock, q: ClientPageQuery, thread?: number): Promise<ThreadClientPage> {
  const matches: ClientEntry[] = [];
  const ages: number[] = [];
  const t = clock.now();
  await scan(entries(), (entry) => {
    if (q.prefix !== '' && !entry.clientId.startsWith(q.prefix)) return;
    matches.push(entry);
    ages.push(Math.max(0, t - entry.lastSeen));
  });
  const order = sortedByAge(ages);
  const from = Math.min(q.offset, matches.length);
  const to = Math.min(matches.length, from + q.limit);
  const rows: ClientRow[] = [];
  const seenAtMs: number[] = [];
  const at = clock.now();
  for (let i = from; i < to; i++) {
    // oldest = largest age first: read the ascending order from its end.
    const entry = matches[q.order === 'oldest' ? order[order.length - 1 - i] : order[i]];
    rows.push(toRow(entry, at, thread));
    seenAtMs.push(clock.epochMs(entry.lastSeen));
  }
  return { page: { total: total(), matched: matches.length, offset: from, rows }, seenAtMs };
}

/**
 * The "about to expire" list: clients silent for more than half their
 * timeout, soonest deadline first, at most `limit`. One chunked pass (O(n))
 * keeping the best `limit` in a sorted array (O(limit) per insert, limit
 * is small: the page shows 20).
 */
export async function aboutToExpire(entries: Iterator<ClientEntry>, now: () => number, limit: number, thread?: number): Promise<ClientRow[]> {
  const best: { deadline: number; entry: ClientEntry }[] = [];
  const t = now();
  await scan(entries, (entry) => {
    if (t - entry.lastSeen <= entry.timeoutMs / 2) return;
    const deadline = entry.lastSeen + entry.timeoutMs;
    if (best.length === limit && deadline >= best[best.length - 1].deadline) return;
    let i = best.length;
    while (i > 0 && best[i - 1].deadline > deadline) i--;
    best.splice(i, 0, { deadline, entry });
    if (best.length > limit) best.pop();
  });
  const at = now();
  return best.map((b) => toRow(b.entry, at, thread));
}

export function toRow(entry: ClientEntry, now: number, thread?: number): ClientRow {
  const row: ClientRow = {
    client_id: entry.clientId,
    last_seen_ms_ago: Math.max(0, now - entry.lastSeen),
    timeout_ms: entry.timeoutMs,
    ping_interval_ms: entry.pingIntervalMs,
    deadline_in_ms: entry.lastSeen + entry.timeoutMs - now,
    connection: entry.conn.id,
    pinged: entry.pinged,
    rtt_ms: measuredMs(entry.roundTrip?.lastMs),
    srtt_ms: measuredMs(entry.roundTrip?.smoothedMs),
  };
  if (thread !== undefined) row.thread = thread;
  return row;
}

async function scan(it: Iterator<ClientEntry>, visit: (entry: ClientEntry) => void): Promise<void> {
  for (;;) {
    for (let i = 0; i < SCAN_CHUNK; i++) {
      const next = it.next();
      if (next.done === true) return;
      visit(next.value);
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Indexes of `ages` in ascending age order (ties by index). */
function sortedByAge(ages: readonly number[]): ArrayLike<number> {
  const n = ages.length;
  if (n >= INDEX_BITS) {
    const order = Array.from({ length: n }, (_, i) => i);
    return order.sort((a, b) => ages[a] - ages[b] || a - b);
  }
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = Math.min(AGE_CAP, ages[i]) * INDEX_BITS + i;
  keys.sort();
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = keys[i] % INDEX_BITS;
  return order;
}
