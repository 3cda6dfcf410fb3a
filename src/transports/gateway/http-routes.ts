import type { TemplatedApp } from 'uWebSockets.js';
import type { AdminRoutes } from '../../edge/admin-routes.js';
import type { LiveMonitor } from '../../monitor/live-monitor.js';
import { HttpReply } from './http-reply.js';
import type { Logger } from './logger.js';
import type { GatewayMetrics } from './metrics.js';
import { parseStatusPage, streamStatus } from './status-stream.js';

export interface HttpRouteDeps {
  monitor: LiveMonitor;
  metrics: GatewayMetrics;
  log: Logger;
  health(): { connections: number; clients: number; uws: 'native' | 'js-fallback' };
}

/** GET /healthz (open) on the WebSocket port; /status, /metrics on the admin surface (behind the admin access rule). */
export function addHttpRoutes(app: TemplatedApp, admin: AdminRoutes, deps: HttpRouteDeps): void {
  app.get('/healthz', (res) => {
    const h = deps.health();
    new HttpReply(res).send(
      '200 OK',
      'application/json',
      `{"status": "ok", "uws": "${h.uws}", "connections": ${h.connections}, "clients": ${h.clients}}`,
    );
  });

  admin.get('/status', (res, req) => {
    const reply = new HttpReply(res);
    const page = parseStatusPage(req.getQuery() ?? '');
    if (page === undefined) {
      reply.send('400 Bad Request', 'application/json', '{"error": "offset and limit must be whole numbers (limit at most 1000000)"}');
      return;
    }
    streamStatus(deps.monitor, reply, page).catch((error: unknown) => {
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

export function addNotFound(app: TemplatedApp): void {
  app.any('/*', (res) => {
    new HttpReply(res).send('404 Not Found', 'application/json', '{"error": "not found"}');
  });
}
