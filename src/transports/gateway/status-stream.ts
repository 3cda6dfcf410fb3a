import type { LiveMonitor } from '../../monitor/live-monitor.js';
import type { ClientStatus } from '../../monitor/monitor.js';
import { pyInteger, pyString } from '../../protocol/py-json.js';
import type { HttpReply } from './http-reply.js';

/** Entries per written chunk; the loop yields to I/O between chunks. */
const CHUNK_ENTRIES = 1000;
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
  if (raw === null) return fallback;
  if (!/^\d{1,15}$/.test(raw)) return undefined;
  return Number(raw);
}

/**
 * GET /status: ka_status across all shards (the monitor merges them in
 * registration order), streamed as JSON in chunks of CHUNK_ENTRIES with a
 * turn of the event loop between chunks and the peer's reading as the
 * pace, so 100,000 clients never become one string on the main thread.
 * Body: {"total": N, "offset": O, "count": C, "connections": [...]}.
 */
export async function streamStatus(monitor: Pick<LiveMonitor, 'status'>, reply: HttpReply, page: StatusPage): Promise<void> {
  const all = await monitor.status();
  if (!reply.open) return;
  const from = Math.min(page.offset, all.length);
  const to = Math.min(all.length, from + page.limit);
  reply.begin('200 OK', 'application/json');
  await reply.write(`{"total": ${all.length}, "offset": ${from}, "count": ${to - from}, "connections": [`);
  for (let i = from; i < to && reply.open; i += CHUNK_ENTRIES) {
    const end = Math.min(to, i + CHUNK_ENTRIES);
    await reply.write((i > from ? ', ' : '') + encodeEntries(all, i, end));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  reply.end(']}');
}

function encodeEntries(all: readonly ClientStatus[], from: number, to: number): string {
  const parts: string[] = [];
  for (let i = from; i < to; i++) {
    const c = all[i];
    parts.push(`{"client_id": ${pyString(c.clientId)}, "last_seen_ms_ago": ${pyInteger(c.lastSeenMsAgo)}, "status": "${c.status}"}`);
  }
  return parts.join(', ');
}
