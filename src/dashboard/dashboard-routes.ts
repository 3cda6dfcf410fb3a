import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { parseDecimalWhole } from '../protocol/decimal-whole.js';
import { HttpReply } from '../transports/gateway/http-reply.js';
import type { Logger } from '../transports/gateway/logger.js';
import type { ClientOrder, ClientPageQuery } from './client-query.js';
import { EventStream } from './event-stream.js';
import type { LiveFeed } from './live-feed.js';
import type { PageFile } from './page-files.js';
import type { ClientPage, KickResult } from './wire.js';

type Handler = (res: HttpResponse, req: HttpRequest) => void;

/**
 * Where the routes are mounted: the admin surface (AdminRoutes), whose
 * access rule guards `get` and `post`, and its unguarded `app` (the same
 * listener) for the page's static assets.
 */
export interface RouteMount {
  get(path: string, handler: Handler): unknown;
  post(path: string, handler: Handler): unknown;
  readonly app: { get(path: string, handler: Handler): unknown };
}

export interface DashboardRouteDeps {
  feed: LiveFeed;
  /** A table page (this gateway's clients; with --threads, every thread's). */
  clients(query: ClientPageQuery): Promise<ClientPage>;
  /** Closes the connection that holds `clientId` with 4006; null if nobody holds it. */
  kick(clientId: string): Promise<KickResult | null>;
  files: Map<string, PageFile>;
  log: Logger;
}

/** Rows per table page at most. */
export const CLIENT_PAGE_MAX = 500;

/**
 * GET  /dashboard                    the page (admin)
 * GET  /dashboard/assets/<file>      its scripts, styles, uPlot: open, as they hold no data and
 *                                    a browser cannot send a token for them; the page passes
 *                                    ?admin_token= on to the routes below
 * (the rest: admin)
 * GET  /dashboard/api/stream         server-sent events: `hello` then a `tick` a second
 * GET  /dashboard/api/clients        ?prefix=&order=oldest|newest&offset=&limit= -> a page of clients
 * POST /dashboard/api/kick           ?client_id= -> closes its connection with 4006
 */
export function addDashboardRoutes(mount: RouteMount, deps: DashboardRouteDeps): void {
  mount.get('/dashboard', (res) => servePage(res, deps.files, 'index.html'));
  mount.get('/dashboard/', (res) => servePage(res, deps.files, 'index.html'));
  mount.app.get('/dashboard/assets/:file', (res, req) => servePage(res, deps.files, req.getParameter(0) ?? ''));

  mount.get('/dashboard/api/stream', (res) => {
    const stream = new EventStream(res, () => deps.feed.remove(stream));
    deps.feed.add(stream);
  });

  mount.get('/dashboard/api/clients', (res, req) => {
    const reply = new HttpReply(res);
    const query = parseClientQuery(req.getQuery() ?? '');
    if (typeof query === 'string') {
      reply.send('400 Bad Request', 'application/json', JSON.stringify({ error: query }));
      return;
    }
    deps.clients(query).then(
      (page) => reply.send('200 OK', 'application/json', JSON.stringify(page)),
      (error: unknown) => {
        deps.log.error({ event: 'dashboard_clients_failed', err: error });
        reply.send('500 Internal Server Error', 'application/json', '{"error": "client query failed"}');
      },
    );
  });

  mount.post('/dashboard/api/kick', (res, req) => {
    const reply = new HttpReply(res);
    const clientId = new URLSearchParams(req.getQuery() ?? '').get('client_id');
    if (clientId === null || clientId === '') {
      reply.send('400 Bad Request', 'application/json', '{"error": "client_id is required"}');
      return;
    }
    deps.kick(clientId).then(
      (result) => {
        if (result === null) reply.send('404 Not Found', 'application/json', JSON.stringify({ error: 'no such client', client_id: clientId }));
        else reply.send('200 OK', 'application/json', JSON.stringify(result));
      },
      (error: unknown) => {
        deps.log.error({ event: 'dashboard_kick_failed', err: error });
        reply.send('500 Internal Server Error', 'application/json', '{"error": "kick failed"}');
      },
    );
  });
}

function servePage(res: HttpResponse, files: Map<string, PageFile>, name: string): void {
  const reply = new HttpReply(res);
  const file = files.get(name);
  if (file !== undefined) {
    reply.res.cork(() => {
      res.writeStatus('200 OK').writeHeader('content-type', file.contentType).writeHeader('cache-control', 'no-cache').end(file.body);
    });
  } else if (files.size === 0) {
    reply.send('503 Service Unavailable', 'application/json', '{"error": "the dashboard page is not built: run npm run build"}');
  } else {
    reply.send('404 Not Found', 'application/json', '{"error": "not found"}');
  }
}

/** The table's query string; a string is the error for a malformed one. */
export function parseClientQuery(raw: string): ClientPageQuery | string {
  const params = new URLSearchParams(raw);
  const order = params.get('order') ?? 'oldest';
  if (order !== 'oldest' && order !== 'newest') return "order must be 'oldest' or 'newest'";
  const offset = whole(params.get('offset'), 0);
  const limit = whole(params.get('limit'), 50);
  if (offset === undefined || limit === undefined || limit < 1 || limit > CLIENT_PAGE_MAX) {
    return `offset and limit must be whole numbers (limit 1..${CLIENT_PAGE_MAX})`;
  }
  const prefix = params.get('prefix') ?? '';
  if (prefix.length > 256) return 'prefix is at most 256 characters';
  return { prefix, order: order as ClientOrder, offset, limit };
}

function whole(raw: string | null, fallback: number): number | undefined {
  if (raw === null || raw === '') return fallback;
  return parseDecimalWhole(raw);
}
