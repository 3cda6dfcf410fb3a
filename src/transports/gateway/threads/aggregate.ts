import { AggregatorRegistry } from 'prom-client';
import type { Health, ThreadHealth } from '../http-routes.js';
import type { ClientPageQuery, ThreadClientPage } from '../../../dashboard/client-query.js';
import type { ClientPage, KickResult } from '../../../dashboard/wire.js';
import type { Collected, ThreadMetrics, ThreadReports } from './thread-messages.js';

/**
 * The whole process's /healthz, /metrics and dashboard table from the I/O threads'
 * reports. A thread that did not answer in time (stalled, or being
 * replaced) is missing from its list; /healthz says which.
 */

/** One thread's answer, or why there is none. */
export type ThreadAnswer<T> = { thread: number; report: T } | { thread: number; missing: 'unresponsive' | 'restarting' };

export function combineHealth(answers: readonly ThreadAnswer<ThreadReports['health']>[], uws: Health['uws']): Collected['health'] {
  let connections = 0;
  let clients = 0;
  const threads: ThreadHealth[] = [];
  for (const a of answers) {
    if ('missing' in a) {
      threads.push({ thread: a.thread, status: a.missing, connections: 0, clients: 0 });
      continue;
    }
    connections += a.report.connections;
    clients += a.report.clients;
    threads.push({ thread: a.thread, status: 'ok', ...a.report });
  }
  return { uws, connections, clients, threads };
}

/**
 * One Prometheus scrape: every series summed over the threads (prom-client's
 * cluster aggregation, by label set), plus the supervisor's own registry
 * (process CPU and memory, counted once; thread failures).
 */
export async function combineMetrics(threads: readonly ThreadMetrics[], own: ThreadMetrics): Promise<Collected['metrics']> {
  return AggregatorRegistry.aggregate([own, ...threads]).metrics();
}

/**
 * The dashboard's table page over every thread: each thread sent its first
 * offset + limit matching rows in the query's order, so the page is among
 * them. Each thread has its own clock, so the rows are merged by last seen
 * on the process's one time line (Clock.epochMs, fixed per client until it
 * is heard from again: the same state gives the same order on every
 * request, so consecutive pages neither repeat nor skip a row), ties in
 * thread order; their ages are then re-read against one instant, `nowMs`.
 * O(k (offset + limit)) rows moved and sorted for k threads (a deep page of
 * 100,000 clients moves up to 100,000 rows per thread: the table's "last"
 * is the costly click).
 */
export function mergeClientPages(pages: readonly ThreadClientPage[], query: ClientPageQuery, nowMs: number): ClientPage {
  const merged = pages.flatMap((p) => p.page.rows.map((row, i) => ({ row, seenAtMs: p.seenAtMs[i] })));
  const sign = query.order === 'oldest' ? 1 : -1;
  merged.sort((a, b) => sign * (a.seenAtMs - b.seenAtMs));
  const matched = pages.reduce((n, p) => n + p.page.matched, 0);
  const offset = Math.min(query.offset, matched);
  const rows = merged.slice(offset, offset + query.limit).map(({ row, seenAtMs }) => {
    const age = Math.max(0, Math.round(nowMs - seenAtMs));
    return { ...row, last_seen_ms_ago: age, deadline_in_ms: row.timeout_ms - age };
  });
  return { total: pages.reduce((n, p) => n + p.page.total, 0), matched, offset, rows };
}

/** A kick went to every thread: the one that held the client answers, the others null. */
export function combineKick(results: readonly (KickResult | null)[]): KickResult | null {
  return results.find((r) => r !== null) ?? null;
}
