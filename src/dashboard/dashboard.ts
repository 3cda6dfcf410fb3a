import type { Clock } from '../monitor/clock.js';
import type { ClientRegistry } from '../transports/gateway/client-registry.js';
import type { Logger } from '../transports/gateway/logger.js';
import { addDashboardRoutes, type RouteMount } from './dashboard-routes.js';
import { LiveFeed } from './live-feed.js';
import { LiveStats } from './live-stats.js';
import { loadPageFiles } from './page-files.js';

export interface DashboardDeps {
  registry: ClientRegistry;
  clock: Clock;
  connections(): number;
  threads: number;
  log: Logger;
}

/** The live dashboard of one gateway: its event tap, its 1 Hz feed, its routes. */
export interface Dashboard {
  /** Give to the gateway's MonitorActions, ws behaviour and registry listener. */
  readonly tap: LiveStats;
  mount(routes: RouteMount): void;
  stop(): void;
}

export function createDashboard(deps: DashboardDeps): Dashboard {
  const { registry, clock } = deps;
  const stats = new LiveStats({
    connections: deps.connections,
    clients: () => registry.size,
    pinged: () => registry.pinged,
    heartbeats: () => registry.heartbeats,
    threads: deps.threads,
  });
  const now = (): number => clock.now();
  const feed = new LiveFeed(stats, { entries: () => registry.entries(), now });
  const files = loadPageFiles();
  if (files.size === 0) deps.log.warn({ event: 'dashboard_unbuilt', hint: 'run npm run build' });
  return {
    tap: stats,
    mount: (routes) => addDashboardRoutes(routes, { feed, registry, now, files, log: deps.log }),
    stop: () => feed.stop(),
  };
}
