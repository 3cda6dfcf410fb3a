import type { WebSocket, WebSocketBehavior } from 'uWebSockets.js';
import type { Clock } from '../../monitor/clock.js';
import type { ClientRegistry } from './client-registry.js';
import { CloseReason, peerCloseMetric } from './close-codes.js';
import { Connection, type OutputWatch, type SocketData } from './connection.js';
import type { OutputBudget } from './output-budget.js';
import type { Logger } from './logger.js';
import type { GatewayMetrics } from './metrics.js';
import type { GatewayOptions } from './options.js';
import type { RequestHandler } from './request-handler.js';
import type { IdleConnectionReaper } from './idle-connections.js';
import type { GatewayEventTap } from './event-tap.js';
import type { Edge } from '../../edge/edge.js';

export interface WsBehaviorDeps {
  options: GatewayOptions;
  clock: Clock;
  registry: ClientRegistry;
  handler: RequestHandler;
  metrics: GatewayMetrics;
  log: Logger;
  /** The open connections, kept by this behaviour (for shutdown and metrics). */
  connections: Set<Connection>;
  /** Closes connections that register nothing in time. */
  reaper: IdleConnectionReaper;
  /** Observes closes (the dashboard). */
  tap: GatewayEventTap;
  /** Origin, token, per-IP cap at the upgrade; message rate; close deadlines (src/edge). */
  edge: Edge;
  /** Output queued across connections (--max-output-bytes). */
  output: OutputBudget;
}

/** The /ws endpoint's uWS behaviour: connection lifecycle and frames to the request handler. */
export function wsBehavior(deps: WsBehaviorDeps): WebSocketBehavior<SocketData> {
  const { options, clock, registry, handler, metrics, log, connections, reaper, tap, edge, output } = deps;
  let nextConnId = 1;
  const watch: OutputWatch = {
    full: (conn) => conn.close(CloseReason.SendBufferFull),
    queued: (conn, bytes) => output.queued(conn, bytes),
  };
  return {
    maxPayloadLength: options.maxPayloadBytes,
    maxBackpressure: options.maxSendBufferBytes,
    closeOnBackpressureLimit: 0, // typed as a number in this build; 0 = off: the gateway closes with its own code
    // Liveness is the monitor's job, per client and to the millisecond; uWS's own idle timer is off.
    idleTimeout: 0,
    sendPingsAutomatically: false,
    upgrade: (res, req, context) => {
      edge.admit(res, req, context, (session) => {
        const conn = new Connection(nextConnId++, clock.now(), watch);
        conn.edge = session;
        return conn;
      });
    },
    open: (ws: WebSocket<SocketData>) => {
      const conn = ws.getUserData().conn;
      conn.ws = ws;
      connections.add(conn);
      reaper.watch(conn);
      edge.opened(conn);
      log.debug({ event: 'open', connection: conn.id });
    },
    message: (ws, message, isBinary) => {
      try {
        const conn = ws.getUserData().conn;
        if (edge.allowMessage(conn)) handler.onMessage(conn, message, isBinary);
      } catch (error) {
        // A bug must cost one message, not the process and every other client.
        log.error({ event: 'internal_error', connection: ws.getUserData().conn.id, err: error });
      }
    },
    drain: (ws) => output.queued(ws.getUserData().conn, ws.getBufferedAmount()),
    pong: (ws, payload) => handler.onPongFrame(ws.getUserData().conn, payload),
    ping: (ws) => handler.onPingFrame(ws.getUserData().conn),
    close: (ws, code, message) => {
      const conn = ws.getUserData().conn;
      conn.closed = true;
      conn.ws = undefined;
      connections.delete(conn);
      output.forget(conn);
      edge.closed(conn);
      const clients = conn.clientList();
      for (const entry of clients) registry.release(entry);
      const reason = conn.closeReason?.metric ?? peerCloseMetric(code, Buffer.from(message).toString('utf8'));
      metrics.closed(reason);
      metrics.removed('connection_closed', clients.length);
      tap.closed(conn.id, reason, clients.length);
      // Guarded: a burst of expiries runs this once per connection, back to back.
      if (log.isLevelEnabled('debug')) log.debug({ event: 'close', connection: conn.id, code, reason, clientsRemoved: clients.length });
    },
  };
}
