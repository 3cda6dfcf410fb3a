import type { Clock } from '../../monitor/clock.js';
import { CLIENT_ID_MAX_BYTES } from '../../protocol/limits.js';
import { parseDecimalWhole } from '../../protocol/decimal-whole.js';
import { statusEntryFields } from '../../protocol/encode.js';
import type { ClientEntry } from './connection.js';
import type { HttpReply } from './http-reply.js';
import { measuredMs } from './round-trip.js';

/**
 * Entries per written chunk (~40 KB at ~100 B an entry); the loop yields to
 * I/O between chunks. A reader that stops reading pins about one chunk in
 * uWS and one being built: small chunks keep 30 such readers under 20 MB.
 */
export const STATUS_CHUNK_ENTRIES = 400;
export const STATUS_PAGE_MAX = 1_000_000;

export interface StatusPage {
  offset: number;
  limit: number;
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
  return raw === null ? fallback : parseDecimalWhole(raw);
}

/**
 * A forward-only reader of the live clients in registration order, as
 * GET /status pages through them: this thread's registry (LocalStatusCursor),
 * or every I/O thread's merged (threads/merged-status-cursor.ts). It holds
 * at most about one chunk of rows, however many clients there are.
 */
export interface StatusCursor {
  /** How many clients there were when the cursor opened (the body's `total`). */
  readonly total: number;
  /** Walks past up to `n` clients without encoding them. */
  skip(n: number): void | Promise<void>;
  /**
   * The next clients, at most `max` (none only at the end), as their /status
   * entries joined by ', ' (after a leading ', ' when `leading`). A byte
   * body is valid until the next call (the cursor reuses its buffer).
   */
  next(max: number, leading: boolean): StatusChunk | Promise<StatusChunk>;
  /** Done with it (its reader finished or left): what it holds elsewhere is let go. */
  close(): void;
}

/** Some entries of a /status listing, encoded (ASCII: one byte a character). */
export interface StatusChunk {
  count: number;
  body: string | Uint8Array;
}

/**
 * What GET /status reads on one thread: the gateway's registry of the
 * clients it owns, in registration order (the monitor's order too), with
 * each client's last activity. Read in place through a live iterator: no
 * copy of the population is made, on either monitor.
 */
export interface StatusSource {
  readonly size: number;
  entries(): IterableIterator<ClientEntry>;
}

/**
 * This thread's clients through the registry's live iterator (a Map's): a
 * client that leaves before the cursor reaches it is not listed, one that
 * registers meanwhile is listed at the end. Skipping allocates nothing.
 */
export class LocalStatusCursor implements StatusCursor {
  readonly total: number;
  private readonly iterator: IterableIterator<ClientEntry>;

  constructor(source: StatusSource, private readonly clock: Clock) {
    this.total = source.size;
    this.iterator = source.entries();
  }

  skip(n: number): void {
    for (let skipped = 0; skipped < n && !this.iterator.next().done; skipped++) {
      // walking past: no allocation per entry
    }
  }

  next(max: number, leading: boolean): StatusChunk {
    const rows: string[] = [];
    const now = this.clock.now();
    while (rows.length < max) {
      const next = this.iterator.next();
      if (next.done) break;
      rows.push(encodeStatusEntry(next.value, now));
    }
    return { count: rows.length, body: (leading ? ', ' : '') + rows.join(', ') };
  }

  close(): void {
    // A Map iterator holds nothing to release.
  }
}

/**
 * GET /status: a page of the live clients, streamed as JSON in chunks of
 * STATUS_CHUNK_ENTRIES with the peer's reading as the pace (a chunk is
 * built only once uWS took the previous one) and a turn of the event loop
 * between chunks. Body: {"total": N, "offset": O, "connections": [...], "count": C}.
 *
 * COSTS: `total` is known when the cursor opens: limit=0 is a count and
 * costs nothing more. A page costs O(offset + count), and holds one chunk
 * (~40 KB) plus the socket's buffers however many clients there are: a
 * reader that stops reading pins no more than that. `count` (written last)
 * is what the page really holds (the cursor is live).
 */
export async function streamStatus(cursor: StatusCursor, reply: HttpReply, page: StatusPage): Promise<void> {
  try {
    const total = cursor.total;
    const offset = Math.min(page.offset, total);
    if (page.limit === 0 || offset === total) {
      sendStatusCount(total, reply, page);
      return;
    }
    await cursor.skip(offset);
    reply.begin('200 OK', 'application/json');
    await reply.write(`{"total": ${total}, "offset": ${offset}, "connections": [`);
    let count = 0;
    while (count < page.limit && reply.open) {
      const chunk = await cursor.next(Math.min(STATUS_CHUNK_ENTRIES, page.limit - count), count > 0);
      if (chunk.count === 0) break;
      await reply.write(chunk.body);
      count += chunk.count;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    reply.end(`], "count": ${count}}`);
  } finally {
    cursor.close();
  }
}

/** A page with no entries (limit=0, or past the end): the count alone. */
export function sendStatusCount(total: number, reply: HttpReply, page: StatusPage): void {
  reply.send('200 OK', 'application/json', `{"total": ${total}, "offset": ${Math.min(page.offset, total)}, "connections": [], "count": 0}`);
}

/** The longest /status entry: a client_id of at most 256 UTF-16 units, each escaped to 6 characters, and the fixed fields. */
export const STATUS_ENTRY_MAX_CHARS = CLIENT_ID_MAX_BYTES * 6 + 200;

/**
 * One client's /status entry, its last activity read at `now`: the
 * ka_status fields, then `rtt_ms` (latest round trip) and `srtt_ms`
 * (smoothed, RFC 6298 alpha 1/8), null until measured.
 */
export function encodeStatusEntry(entry: ClientEntry, now: number): string {
  const rtt = entry.roundTrip;
  const lastSeenMsAgo = Math.max(0, now - entry.lastSeen);
  return `{${statusEntryFields(entry.clientId, lastSeenMsAgo, 'active')}, "rtt_ms": ${measuredMs(rtt?.lastMs)}, "srtt_ms": ${measuredMs(rtt?.smoothedMs)}}`;
}
