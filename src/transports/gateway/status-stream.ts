import type { Clock } from '../../monitor/clock.js';
import type { ClientStatus } from '../../monitor/monitor.js';
import { pyInteger, pyString } from '../../protocol/py-json.js';
import type { ClientEntry } from './connection.js';
import type { HttpReply } from './http-reply.js';
import { measuredMs } from './round-trip.js';

/**
 * Entries per written chunk (~40 KB at ~100 B an entry); the loop yields to
 * I/O between chunks. A reader that stops reading pins about one chunk in
 * uWS and one being built: small chunks keep 30 such readers under 20 MB.
 */
const CHUNK_ENTRIES = 400;
export const STATUS_PAGE_MAX = 1_000_000;

export interface StatusPage {
  offset: number;
  limit: number;
}

/** One client as GET /status lists it: its status and round trips (ms, null until measured; absent = not known here). */
export interface StatusRow extends ClientStatus {
  rttMs?: number | null;
  srttMs?: number | null;
}

/** ?offset=&limit= (both optional, whole numbers); undefined when malformed. */
export function parseStatusPage(query: string): StatusPage | undefined {
  const params = new URLSearchParams(query);
  const offset = wholeParam(params.get('offset'), 0);
  const limit = wholeParam(params.get('limit'), STATUS_PAGE_MAX);
  if (offset === undefined || limit === undefined || limit > STATUS_PAGE_MAX) return undefined;
  return { offset, limit };
}

function wholeParam(raw: string | null, fallback: number): number | undefined {
  if (raw === null) return fallback;
  if (!/^\d{1,15}$/.test(raw)) return undefined;
  return Number(raw);
}

/**
 * What GET /status reads: the gateway's registry of the clients it owns,
 * in registration order (the monitor's order too), with each client's
 * last activity. Read in place through a live iterator: no copy of the
 * population is made, on either monitor.
 */
export interface StatusSource {
  readonly size: number;
  entries(): IterableIterator<ClientEntry>;
}

/**
 * GET /status: a page of the live clients, streamed as JSON in chunks of
 * CHUNK_ENTRIES with the peer's reading as the pace (a chunk is built only
 * once uWS took the previous one) and a turn of the event loop between
 * chunks. Body: {"total": N, "offset": O, "connections": [...], "count": C}.
 *
 * COSTS: `total` is the registry's size, O(1): limit=0 is a count and
 * costs nothing more. A page costs O(offset + count) on the main thread
 * (the iterator walks past `offset` entries without allocating), and holds
 * one chunk (~40 KB) plus the socket's buffers however many clients there
 * are: a reader that stops reading pins no more than that.
 *
 * The iterator is live (a Map's): a client that leaves before the cursor
 * reaches it is not listed, one that registers meanwhile is listed at the
 * end; `count` (written last) is what the page really holds.
 */
export async function streamStatus(source: StatusSource, clock: Clock, reply: HttpReply, page: StatusPage): Promise<void> {
  const total = source.size;
  const offset = Math.min(page.offset, total);
  if (page.limit === 0 || offset === total) {
    sendStatusCount(total, reply, page);
    return;
  }
  const cursor = source.entries();
  for (let skipped = 0; skipped < offset && !cursor.next().done; skipped++) {
    // walking past the offset: no allocation per entry
  }
  reply.begin('200 OK', 'application/json');
  await reply.write(`{"total": ${total}, "offset": ${offset}, "connections": [`);
  let count = 0;
  while (count < page.limit && reply.open) {
    const parts: string[] = [];
    const now = clock.now();
    const end = Math.min(page.limit, count + CHUNK_ENTRIES);
    for (let next = cursor.next(); ; next = cursor.next()) {
      if (next.done) break;
      parts.push(encodeEntry(next.value, now));
      if (count + parts.length >= end) break;
    }
    if (parts.length === 0) break;
    await reply.write((count > 0 ? ', ' : '') + parts.join(', '));
    count += parts.length;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  reply.end(`], "count": ${count}}`);
}

/** A page with no entries (limit=0, or past the end): the count alone. */
export function sendStatusCount(total: number, reply: HttpReply, page: StatusPage): void {
  reply.send('200 OK', 'application/json', `{"total": ${total}, "offset": ${Math.min(page.offset, total)}, "connections": [], "count": 0}`);
}

function encodeEntry(entry: ClientEntry, now: number): string {
  const rtt = entry.roundTrip;
  return encodeRow(entry.clientId, Math.max(0, now - entry.lastSeen), 'active', measuredMs(rtt?.lastMs), measuredMs(rtt?.smoothedMs));
}

/** One /status entry: the ka_status fields, then `rtt_ms` (latest round trip) and `srtt_ms` (smoothed, RFC 6298 alpha 1/8). */
function encodeRow(clientId: string, lastSeenMsAgo: number, status: string, rttMs: number | null, srttMs: number | null): string {
  return `{"client_id": ${pyString(clientId)}, "last_seen_ms_ago": ${pyInteger(lastSeenMsAgo)}, "status": "${status}", "rtt_ms": ${rttMs}, "srtt_ms": ${srttMs}}`;
}

/**
 * GET /status with --threads N: the listing is every I/O thread's, which
 * only their collected answers hold (one copy of the population per
 * request, O(total)); then streamed as above. `count` is the page's size.
 */
export async function streamCollectedStatus(monitor: { status(): Promise<readonly StatusRow[]> }, reply: HttpReply, page: StatusPage): Promise<void> {
  const all = await monitor.status();
  if (!reply.open) return;
  const from = Math.min(page.offset, all.length);
  const to = Math.min(all.length, from + page.limit);
  reply.begin('200 OK', 'application/json');
  await reply.write(`{"total": ${all.length}, "offset": ${from}, "connections": [`);
  for (let i = from; i < to && reply.open; i += CHUNK_ENTRIES) {
    const end = Math.min(to, i + CHUNK_ENTRIES);
    await reply.write((i > from ? ', ' : '') + encodeStatuses(all, i, end));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  reply.end(`], "count": ${to - from}}`);
}

function encodeStatuses(all: readonly StatusRow[], from: number, to: number): string {
  const parts: string[] = [];
  for (let i = from; i < to; i++) {
    const c = all[i];
    parts.push(encodeRow(c.clientId, c.lastSeenMsAgo, c.status, c.rttMs ?? null, c.srttMs ?? null));
  }
  return parts.join(', ');
}
