import type { TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { MonotonicClock } from '../../monitor/clock.js';
import { createLiveMonitor } from '../../monitor/create-live-monitor.js';
import type { LiveMonitor } from '../../monitor/live-monitor.js';
import { ClientRegistry } from './client-registry.js';
import { CloseReason } from './close-codes.js';
import type { Connection, SocketData } from './connection.js';
import { addHttpRoutes, addNotFound } from './http-routes.js';
import type { Logger } from './logger.js';
import { GatewayMetrics } from './metrics.js';
import { MonitorActions } from './monitor-actions.js';
import type { LoadedUws } from './native-uws.js';
import { encodeNotice } from './notices.js';
import type { GatewayOptions } from './options.js';
import { RequestHandler } from './request-handler.js';
import { IdleConnectionReaper } from './idle-connections.js';
import { addTestHooks } from './test-hooks.js';
import { createDashboard } from '../../dashboard/dashboard.js';
import { wsBehavior } from './ws-behavior.js';

/**
 * The monitor wakes for pings at most once per this many ms (expiry stays
 * exact): pings due within the tick go out together, then the ping pacer
 * spreads them by their jitter.
 */
const PING_TICK_MS = 50;

export interface Gateway {
  readonly port: number;
  readonly monitor: LiveMonitor;
  /** Stops accepting, closes every connection with 1001, stops the monitor. */
  stop(): Promise<void>;
}

/**
 * Wires the gateway: uWS app (WebSocket /ws + HTTP routes), the live
 * monitor (real monotonic time, sweeps only from its timer so queued
 * input is read first), the ownership registry and the monitor's actions.
 */
export async function startGateway(options: GatewayOptions, loaded: LoadedUws, log: Logger): Promise<Gateway> {
  const clock = new MonotonicClock();
  const connections = new Set<Connection>();
  let registry: ClientRegistry | undefined;
  const metrics = new GatewayMetrics({
    connections: () => connections.size,
    clients: () => registry?.size ?? 0,
    pingedClients: () => registry?.pinged ?? 0,
    heartbeats: () => registry?.heartbeats ?? 0,
  });
  const actions = new MonitorActions(clock, metrics, log, options);
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
  const owned = new ClientRegistry(monitor, clock, {
    moved(from, clientId) {
      metrics.moved();
      dashboard.tap.moved(clientId, from.id);
      from.cork(() => from.send(encodeNotice('ka_moved', clientId)));
      if (from.clientCount === 0) from.close(CloseReason.ClientMoved);
    },
  });
  registry = owned;
  actions.attach(owned);
  const dashboard = createDashboard({ registry: owned, clock, connections: () => connections.size, threads: options.workers, log });
  actions.tap = dashboard.tap;
  const handler = new RequestHandler(owned, clock, metrics, options);
  const app: TemplatedApp = loaded.uws.App();
  const reaper = new IdleConnectionReaper(clock, options.registerTimeoutMs);
  app.ws<SocketData>('/ws', wsBehavior({ options, clock, registry: owned, handler, metrics, log, connections, reaper, tap: dashboard.tap }));
  addHttpRoutes(app, {
    monitor,
    metrics,
    log,
    health: () => ({ connections: connections.size, clients: owned.size, uws: loaded.native ? 'native' : 'js-fallback' }),
  });
  dashboard.mount({ get: (path, handler) => app.get(path, handler), post: (path, handler) => app.post(path, handler) });
  if (options.testHooks) addTestHooks(app, log);
  addNotFound(app);

  const listenSocket = await listen(app, options.host, options.port);
  const port = loaded.uws.us_socket_local_port(listenSocket as never);
  let stopped = false;

  return {
    port,
    monitor,
    async stop() {
      if (stopped) return;
      stopped = true;
      loaded.uws.us_listen_socket_close(listenSocket);
      for (const conn of [...connections]) conn.close(CloseReason.Shutdown);
      actions.stop();
      reaper.stop();
      dashboard.stop();
      await monitor.close();
    },
  };
}

/** uWS's LIBUS_LISTEN_EXCLUSIVE_PORT: without it uWS sets SO_REUSEPORT, and a second gateway on a taken port would start and share it silently. */
const EXCLUSIVE_PORT = 1;

type ListenWithOptions = (
  host: string,
  port: number,
  options: number,
  cb: (socket: us_listen_socket | false) => void,
) => TemplatedApp;

function listen(app: TemplatedApp, host: string, port: number): Promise<us_listen_socket> {
  return new Promise((resolve, reject) => {
    // The native binary takes (host, port, options, cb); this build's typings miss that overload.
    (app.listen as unknown as ListenWithOptions).call(app, host, port, EXCLUSIVE_PORT, (socket) => {
      if (socket === false) reject(new Error(`cannot listen on ${host}:${port}`));
      else resolve(socket);
    });
  });
}
