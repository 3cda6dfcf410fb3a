import type { Clock } from '../monitor/clock.js';
import type { ClientRegistry } from '../transports/gateway/client-registry.js';
import { CloseReason } from '../transports/gateway/close-codes.js';
import type { Logger } from '../transports/gateway/logger.js';
import { queryClients, queryThreadClients, type ClientPageQuery, type ThreadClientPage } from './client-query.js';
import { addDashboardRoutes, type RouteMount } from './dashboard-routes.js';
import { LiveFeed } from './live-feed.js';
import { LiveStats } from './live-stats.js';
import { loadPageFiles } from './page-files.js';
import type { LiveReport } from './live-report.js';
import type { ClientPage, KickResult, TickMessage } from './wire.js';

/**
 * With --threads N (N >= 2): this I/O thread's number, and the table and
 * kick asked of every thread (through the supervisor), since the page's
 * requests land on whichever thread the kernel gave their connection. The
 * stream's second is then driven by the supervisor (liveReport, publish).
 */
export interface DashboardThreading {
  thread: number;
  clients(query: ClientPageQuery): Promise<ClientPage>;
  kick(clientId: string): Promise<KickResult | null>;
}

export interface DashboardDeps {
  registry: ClientRegistry;
  clock: Clock;
  connections(): number;
  /** Monitor worker threads (--workers). */
  threads: number;
  /** I/O threads (--threads). */
  ioThreads: number;
  /** A cluster member (--redis / --redis-cluster). */
  clustered: boolean;
  log: Logger;
  threading?: DashboardThreading;
}

/** The live dashboard of one gateway: its event tap, its 1 Hz feed, its routes. */
export interface Dashboard {
  /** Give to the gateway's MonitorActions, ws behaviour and registry listener. */
  readonly tap: LiveStats;
  mount(routes: RouteMount): void;
  /** This thread's part of a table page (its first offset + limit rows; see mergeClientPages). */
  localClients(query: ClientPageQuery): Promise<ThreadClientPage>;
  /** Kicks `clientId` if this thread holds it. */
  localKick(clientId: string): KickResult | null;
  /** With --threads N: this thread's second for the stream (the supervisor merges every thread's). */
  liveReport(watched: boolean): LiveReport;
  /** With --threads N: the merged second, for this thread's pages. */
  publish(message: TickMessage): void;
  stop(): void;
}

export function createDashboard(deps: DashboardDeps): Dashboard {
  const { registry, clock, log } = deps;
  const thread = deps.threading?.thread;
  const stats = new LiveStats({
    connections: deps.connections,
    clients: () => registry.size,
    pinged: () => registry.pinged,
    heartbeats: () => registry.heartbeats,
    threads: deps.threads,
    ioThreads: deps.ioThreads,
  });
  const now = (): number => clock.now();
  const feed = new LiveFeed(stats, { entries: () => registry.entries(), now, ioThreads: deps.ioThreads, thread, clustered: deps.clustered }, deps.threading === undefined ? 'own-timer' : 'supervisor');
  const files = loadPageFiles();
  if (files.size === 0) log.warn({ event: 'dashboard_unbuilt', hint: 'run npm run build' });
  const localClients = (query: ClientPageQuery): Promise<ClientPage> => queryClients(() => registry.entries(), () => registry.size, clock, query, thread);
  const localKick = (clientId: string): KickResult | null => {
    const entry = registry.get(clientId);
    if (entry === undefined) return null;
    const conn = entry.conn;
    const clients = conn.clientCount;
    log.warn({ event: 'kicked', clientId, connection: conn.id, clients });
    conn.close(CloseReason.KickedByAdmin);
    return { kicked: clientId, connection: conn.id, clients_closed: clients, ...(thread === undefined ? {} : { thread }) };
  };
  const threading = deps.threading;
  return {
    tap: stats,
    mount: (routes) =>
      addDashboardRoutes(routes, {
        feed,
        files,
        log,
        clients: threading === undefined ? localClients : (query) => threading.clients(query),
        kick: threading === undefined ? async (clientId) => localKick(clientId) : (clientId) => threading.kick(clientId),
      }),
    localClients: (query) => queryThreadClients(() => registry.entries(), () => registry.size, clock, { ...query, offset: 0, limit: query.offset + query.limit }, thread),
    localKick,
    liveReport: (watched) => feed.report(watched),
    publish: (message) => feed.publish(message),
    stop: () => feed.stop(),
  };
}
