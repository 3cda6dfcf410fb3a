import type { TemplatedApp } from 'uWebSockets.js';
import type { AdminRoutes } from '../../edge/admin-routes.js';
import type { HeldCount } from './held-count.js';
import { HttpReply } from './http-reply.js';
import type { Logger } from './logger.js';
import type { GatewayMetrics } from './metrics.js';
import { parseStatusPage, streamStatus, type StatusCursor, type StatusPage } from './status-stream.js';

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
  /** A new cursor over the whole population (this thread's registry, or every I/O thread's merged): /status pages cost what they return. */
  status(): StatusCursor | Promise<StatusCursor>;
  /** /status streams served at once (--max-status-requests: this thread's, or the process's with --threads); more are answered 503. */
  maxStatusRequests: number;
  statusStreams: HeldCount;
  metrics: Pick<GatewayMetrics, 'text' | 'contentType'>;
  /** Where shed requests are counted (this thread's metrics). */
  refusals: Pick<GatewayMetrics, 'refused'>;
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
    // Shed, not queue: a queue of listings would hold memory and delay the sockets' reads.
    if (!deps.statusStreams.tryAcquire()) {
      deps.refusals.refused('status_busy');
      const body = `{"error": "too many concurrent status requests (at most ${deps.maxStatusRequests}); retry later"}`;
      reply.send('503 Service Unavailable', 'application/json', body, { 'retry-after': '1' });
      return;
    }
    const streamed =
      scope === 'cluster' && deps.clusterStatus !== undefined
        ? deps.clusterStatus(reply, page)
        : Promise.resolve(deps.status()).then((cursor) => streamStatus(cursor, reply, page));
    streamed
      .catch((error: unknown) => {
        deps.log.error({ event: 'status_failed', err: error });
        reply.end();
      })
      .finally(() => deps.statusStreams.release());
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
