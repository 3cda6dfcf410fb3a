import { AggregatorRegistry } from 'prom-client';
import type { Health, ThreadHealth } from '../http-routes.js';
import type { ClientPageQuery } from '../../../dashboard/client-query.js';
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
 * them: merged by last seen, then cut. O(k (offset + limit)) rows moved
 * and sorted for k threads (a deep page of 100,000 clients moves up to
 * 100,000 rows per thread: the table's "last" is the costly click).
 */
export function mergeClientPages(pages: readonly ClientPage[], query: ClientPageQuery): ClientPage {
  const rows = pages.flatMap((p) => p.rows);
  const sign = query.order === 'oldest' ? -1 : 1;
  rows.sort((a, b) => sign * (a.last_seen_ms_ago - b.last_seen_ms_ago));
  const matched = pages.reduce((n, p) => n + p.matched, 0);
  const offset = Math.min(query.offset, matched);
  return { total: pages.reduce((n, p) => n + p.total, 0), matched, offset, rows: rows.slice(offset, offset + query.limit) };
}

/** A kick went to every thread: the one that held the client answers, the others null. */
export function combineKick(results: readonly (KickResult | null)[]): KickResult | null {
  return results.find((r) => r !== null) ?? null;
}
