import type { TemplatedApp } from 'uWebSockets.js';
import type { AdminRoutes } from '../../edge/admin-routes.js';
import type { LiveMonitor } from '../../monitor/live-monitor.js';
import { HttpReply } from './http-reply.js';
import type { Logger } from './logger.js';
import type { GatewayMetrics } from './metrics.js';
import { parseStatusPage, streamStatus, type StatusPage } from './status-stream.js';

/** One I/O thread in /healthz (only with --threads 2 or more). */
export interface ThreadHealth {
  thread: number;
  /** unresponsive: did not answer within the collection bound (stalled); restarting: died, being replaced. */
  status: 'ok' | 'unresponsive' | 'restarting';
  connections: number;
  clients: number;
}

export interface Health {
  connections: number;
  clients: number;
  uws: 'native' | 'js-fallback';
  threads?: ThreadHealth[];
}

export interface HttpRouteDeps {
  /** The whole population's ka_status (this thread's monitor, or every I/O thread's). */
  monitor: Pick<LiveMonitor, 'status'>;
  metrics: Pick<GatewayMetrics, 'text' | 'contentType'>;
  log: Logger;
  health(): Health | Promise<Health>;
  /** GET /status?scope=cluster (with --redis): the fleet's clients. */
  clusterStatus?: (reply: HttpReply, page: StatusPage) => Promise<void>;
}

/** GET /healthz (open) on the WebSocket port; /status, /metrics on the admin surface (behind the admin access rule). */
export function addHttpRoutes(app: TemplatedApp, admin: AdminRoutes, deps: HttpRouteDeps): void {
  app.get('/healthz', (res) => {
    const reply = new HttpReply(res);
    Promise.resolve(deps.health()).then(
      (h) => reply.send('200 OK', 'application/json', encodeHealth(h)),
      (error: unknown) => {
        deps.log.error({ event: 'health_failed', err: error });
        reply.send('500 Internal Server Error', 'application/json', '{"status": "error"}');
      },
    );
  });

  admin.get('/status', (res, req) => {
    const reply = new HttpReply(res);
    const page = parseStatusPage(req.getQuery() ?? '');
    if (page === undefined) {
      reply.send('400 Bad Request', 'application/json', '{"error": "offset and limit must be whole numbers (limit at most 1000000)"}');
      return;
    }
    const scope = new URLSearchParams(req.getQuery() ?? '').get('scope');
    if (scope !== null && scope !== 'local' && scope !== 'cluster') {
      reply.send('400 Bad Request', 'application/json', '{"error": "scope must be local or cluster"}');
      return;
    }
    if (scope === 'cluster' && deps.clusterStatus === undefined) {
      reply.send('400 Bad Request', 'application/json', '{"error": "scope=cluster needs a gateway started with --redis or --redis-cluster"}');
      return;
    }
    const stream = scope === 'cluster' && deps.clusterStatus !== undefined ? deps.clusterStatus(reply, page) : streamStatus(deps.monitor, reply, page);
    stream.catch((error: unknown) => {
      deps.log.error({ event: 'status_failed', err: error });
      reply.end();
    });
  });

  admin.get('/metrics', (res) => {
    const reply = new HttpReply(res);
    deps.metrics.text().then(
      (text) => reply.send('200 OK', deps.metrics.contentType, text),
      (error: unknown) => {
        deps.log.error({ event: 'metrics_failed', err: error });
        reply.send('500 Internal Server Error', 'text/plain', 'metrics failed\n');
      },
    );
  });
}

function encodeHealth(h: Health): string {
  const head = `"uws": "${h.uws}", "connections": ${h.connections}, "clients": ${h.clients}`;
  if (h.threads === undefined) return `{"status": "ok", ${head}}`;
  const status = h.threads.every((t) => t.status === 'ok') ? 'ok' : 'degraded';
  const threads = h.threads.map(
    (t) => `{"thread": ${t.thread}, "status": "${t.status}", "connections": ${t.connections}, "clients": ${t.clients}}`,
  );
  return `{"status": "${status}", ${head}, "threads": [${threads.join(', ')}]}`;
}

export function addNotFound(app: TemplatedApp): void {
  app.any('/*', (res) => {
    new HttpReply(res).send('404 Not Found', 'application/json', '{"error": "not found"}');
  });
}
