import type { TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { ClusterNode } from '../../cluster/cluster-node.js';
import { addClusterRoutes, streamClusterStatus } from '../../cluster/cluster-routes.js';
import { MonotonicClock, type Clock } from '../../monitor/clock.js';
import { createLiveMonitor } from '../../monitor/create-live-monitor.js';
import type { LiveMonitor } from '../../monitor/live-monitor.js';
import { KeepAliveService } from '../../protocol/keepalive-service.js';
import { ClientRegistry } from './client-registry.js';
import { CloseReason } from './close-codes.js';
import { ConnectionClients } from './connection-clients.js';
import type { Connection, SocketData } from './connection.js';
import { addHttpRoutes, addNotFound, type HttpRouteDeps } from './http-routes.js';
import { LocalStatusCursor } from './status-stream.js';
import { LocalHeldCount, type HeldCount } from './held-count.js';
import type { Logger } from './logger.js';
import { GatewayMetrics } from './metrics.js';
import { MonitorActions } from './monitor-actions.js';
import type { LoadedUws } from './native-uws.js';
import { encodeNotice } from './notices.js';
import type { GatewayOptions } from './options.js';
import { RequestHandler } from './request-handler.js';
import { RoundTripMeter } from './round-trip.js';
import { IdleConnectionReaper } from './idle-connections.js';
import { OutputBudget } from './output-budget.js';
import { AcceptGuard } from './accept-guard.js';
import { addTestHooks } from './test-hooks.js';
import { createDashboard, type Dashboard, type DashboardThreading } from '../../dashboard/dashboard.js';
import { wsBehavior } from './ws-behavior.js';
import { AdminSurface } from '../../edge/admin-surface.js';
import { EdgeMetrics } from '../../edge/edge-metrics.js';
import { listen } from '../../edge/listen.js';
import { Edge } from '../../edge/edge.js';
import type { PeerConnections } from '../../edge/limits/per-ip-connections.js';
import { createApp } from '../../edge/tls.js';

/**
 * The monitor wakes for pings at most once per this many ms (expiry stays
 * exact): pings due within the tick go out together, then the ping pacer
 * spreads them by their jitter.
 */
const PING_TICK_MS = 50;
/** How long an I/O thread that serves --admin-port waits for the port, held by the failed thread it replaces. */
const ADMIN_REBIND_MS = 3000;

export interface Gateway {
  readonly port: number;
  /** The separate admin listener's port (--admin-port), if any. */
  readonly adminPort: number | undefined;
  readonly monitor: LiveMonitor;
  /** Its cluster membership, with --redis / --redis-cluster. */
  readonly cluster: ClusterNode | undefined;
  readonly registry: ClientRegistry;
  /** The clock its registry's times are on (last seen). */
  readonly clock: Clock;
  readonly metrics: GatewayMetrics;
  /** This thread's dashboard (an I/O thread answers its part of the process's table and kicks). */
  readonly dashboard: Dashboard;
  readonly connectionCount: number;
  /** Stops accepting, closes every connection with `reason` (default 1001), stops the monitor. */
  stop(reason?: CloseReason): Promise<void>;
  /** Drops every socket still open, and the app: a worker thread must, before it exits (uWS aborts otherwise). */
  closeApp(): void;
}

/**
 * How an I/O thread runs this same gateway (threads/): the port shared with
 * its sibling threads (SO_REUSEPORT), registration numbers from one shared
 * counter, and /healthz, /status, /metrics answered for the whole process.
 * Without it (--threads 1) the gateway is alone on its port.
 */
export interface GatewayThreading {
  nextSeq(): number;
  /** Tells the sibling threads of a registration (see RegistryListener.registered). */
  registered(clientId: string, seq: number): void;
  http: Pick<HttpRouteDeps, 'status' | 'metrics' | 'health'>;
  /** The dashboard's table and kick, asked of every thread. */
  dashboard: DashboardThreading;
  /** --max-clients and --max-status-requests counted over every thread (threads/process-counters.ts). */
  clients: HeldCount;
  statusStreams: HeldCount;
  /** --max-connections-per-ip counted over every thread, when set. */
  perIp: PeerConnections | undefined;
  /**
   * Whether this thread opens the --admin-port listener (one thread does:
   * its admin answers cover every thread; the others serve no admin route,
   * as the gateway's port never does with --admin-port).
   */
  servesAdmin: boolean;
}

/**
 * Wires the gateway: uWS app (WebSocket /ws + HTTP routes), the live
 * monitor (real monotonic time, sweeps only from its timer so queued
 * input is read first), the ownership registry and the monitor's actions.
 */
export async function startGateway(
  options: GatewayOptions,
  loaded: LoadedUws,
  log: Logger,
  threading?: GatewayThreading,
): Promise<Gateway> {
  const clock = new MonotonicClock();
  const connections = new Set<Connection>();
  let registry: ClientRegistry | undefined;
  const metrics = new GatewayMetrics({
    connections: () => connections.size,
    clients: () => registry?.size ?? 0,
    pingedClients: () => registry?.pinged ?? 0,
    heartbeats: () => registry?.heartbeats ?? 0,
    queuedOutputBytes: () => output.queuedBytes,
  }, { processMetrics: threading === undefined });
  // Process-wide bounds: each of --threads N I/O threads takes its share.
  const output = new OutputBudget(Math.max(1, Math.floor(options.maxOutputBytes / options.threads)), (conn) => conn.close(CloseReason.OutputBound));
  const roundTrips = new RoundTripMeter(metrics);
  const actions = new MonitorActions(clock, metrics, log, options, roundTrips, PING_TICK_MS);
  const monitor = createLiveMonitor({
    shards: options.shards,
    workers: options.workers,
    trackPings: true,
    pingTickMs: PING_TICK_MS,
    queueExpiryReports: false,
    clock,
    events: actions.events,
    sweepOnAccess: false,
  });
  // With Redis, the gateway is a cluster member before it serves anyone (a Redis it cannot reach fails the start).
  const cluster = options.cluster === undefined ? undefined : await ClusterNode.start(options.cluster, metrics.registry, log);
  const owned = new ClientRegistry(monitor, clock, {
    moved(from, clientId) {
      metrics.moved();
      dashboard.tap.moved(clientId, from.id);
      from.cork(() => from.send(encodeNotice('ka_moved', clientId)));
      if (from.clientCount === 0) from.close(CloseReason.ClientMoved);
    },
    ended: (entry) => actions.expireNow(entry),
    registered: threading?.registered,
  }, threading?.nextSeq, cluster, threading?.clients ?? new LocalHeldCount(options.maxClients));
  registry = owned;
  actions.attach(owned);
  const dashboard = createDashboard({
    registry: owned,
    clock,
    connections: () => connections.size,
    threads: options.workers,
    ioThreads: options.threads,
    clustered: cluster !== undefined,
    log,
    threading: threading?.dashboard,
  });
  actions.tap = dashboard.tap;
  roundTrips.tap = dashboard.tap;
  const edgeMetrics = new EdgeMetrics(metrics.registry);
  const connectionCap = Math.max(1, Math.floor(options.maxConnections / options.threads));
  const edge = new Edge(options, clock, owned, edgeMetrics, () => connections.size >= connectionCap, threading?.perIp);
  const clients = new ConnectionClients(owned, clock, metrics, options, edge.policy, roundTrips);
  const service = new KeepAliveService<Connection>(clients, { pings: true, scopeName: 'this connection' });
  const handler = new RequestHandler(service, owned, metrics, options.maxSendBufferBytes, roundTrips);
  const app: TemplatedApp = createApp(loaded.uws, options);
  const reaper = new IdleConnectionReaper(clock, options.registerTimeoutMs);
  app.ws<SocketData>('/ws', wsBehavior({ options, clock, registry: owned, handler, metrics, log, connections, reaper, tap: dashboard.tap, edge, output }));
  const admin = new AdminSurface(options, loaded.uws, app, () => createApp(loaded.uws, options), edgeMetrics);
  addHttpRoutes(app, admin.routes, {
    // With --threads the listing is every thread's (threading.http's status: a merge of cursors).
    status: () => new LocalStatusCursor(owned, clock),
    maxStatusRequests: options.maxStatusRequests,
    statusStreams: threading?.statusStreams ?? new LocalHeldCount(options.maxStatusRequests),
    refusals: metrics,
    metrics,
    log,
    health: () => ({ connections: connections.size, clients: owned.size, uws: loaded.native ? 'native' : 'js-fallback' }),
    ...threading?.http,
    clusterStatus: cluster === undefined ? undefined : (reply, page) => streamClusterStatus(cluster, reply, page),
  });
  dashboard.mount(admin.routes);
  if (cluster !== undefined) addClusterRoutes(admin.routes, cluster, log);
  if (options.testHooks) addTestHooks(app, log, cluster);
  addNotFound(app);
  if (admin.separateApp !== undefined) addNotFound(admin.separateApp);

  await cluster?.join({ registry: owned, connections, clock }, '');
  let listenSocket: us_listen_socket;
  try {
    listenSocket = await listen(app, options.host, options.port, threading !== undefined);
  } catch (error) {
    // A worker thread that ends with an app open aborts the process (uv_loop_close).
    closeApps(app, admin.separateApp);
    reaper.stop();
    dashboard.stop();
    await cluster?.stop();
    await monitor.close();
    throw error;
  }
  const port = loaded.uws.us_socket_local_port(listenSocket as never);
  if (cluster !== undefined) cluster.address = `${options.host}:${port}`;
  let adminPort: number | undefined;
  try {
    if (threading === undefined) adminPort = await admin.listen();
    // A thread replacing the admin thread may start before the failed one has let the port go.
    else if (threading.servesAdmin) adminPort = await retried(() => admin.listen(), ADMIN_REBIND_MS);
  } catch (error) {
    loaded.uws.us_listen_socket_close(listenSocket);
    closeApps(app, admin.separateApp);
    throw error;
  }
  let stopped = false;
  const acceptGuard = new AcceptGuard(
    {
      pause: () => loaded.uws.us_listen_socket_close(listenSocket),
      resume: async () => {
        try {
          const socket = await listen(app, options.host, port, threading !== undefined);
          if (stopped) loaded.uws.us_listen_socket_close(socket);
          else listenSocket = socket;
          return true;
        } catch {
          return false;
        }
      },
    },
    (paused) => {
      if (paused) metrics.refused('accept_paused');
      log.warn({ event: paused ? 'accept_paused' : 'accept_resumed', connections: connections.size }, paused ? 'at the open-file limit: not accepting until descriptors are free' : 'accepting again');
    },
  );
  acceptGuard.start();

  return {
    port,
    adminPort,
    monitor,
    cluster,
    registry: owned,
    clock,
    metrics,
    dashboard,
    get connectionCount() {
      return connections.size;
    },
    closeApp() {
      closeApps(app, admin.separateApp);
    },
    async stop(reason: CloseReason = CloseReason.Shutdown) {
      if (stopped) return;
      stopped = true;
      acceptGuard.stop();
      if (!acceptGuard.isPaused) loaded.uws.us_listen_socket_close(listenSocket);
      admin.close();
      for (const conn of [...connections]) conn.close(reason);
      actions.stop();
      reaper.stop();
      edge.stop();
      dashboard.stop();
      await cluster?.stop();
      await monitor.close();
    },
  };
}

/** Tries `attempt` every 50 ms until it succeeds or `forMs` have passed (then its last failure). */
async function retried<T>(attempt: () => Promise<T>, forMs: number): Promise<T> {
  const until = Date.now() + forMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() >= until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** The native App has close(); uWS's pure-JS fallback (--allow-js-fallback) has not. The admin listener's app too, if any. */
function closeApps(...apps: (TemplatedApp | undefined)[]): void {
  for (const app of apps) (app as unknown as { close?(): void } | undefined)?.close?.();
}
