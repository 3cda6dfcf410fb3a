import type { HttpRequest, HttpResponse, TemplatedApp, WebSocketBehavior } from 'uWebSockets.js';
import type { AdminAccess } from './admin-access.js';

type Handler = (res: HttpResponse, req: HttpRequest) => void;

/**
 * Where admin routes are mounted: the gateway's own app, or the separate
 * admin listener's (--admin-port). Every route mounted here is behind the
 * admin access rule (admin-access.ts); a module adding an admin page calls
 * `admin.get('/page', handler)` and needs to know neither.
 */
export class AdminRoutes {
  constructor(
    readonly app: TemplatedApp,
    readonly access: AdminAccess,
  ) {}

  get(pattern: string, handler: Handler): this {
    this.app.get(pattern, this.access.guard(handler));
    return this;
  }

  post(pattern: string, handler: Handler): this {
    this.app.post(pattern, this.access.guard(handler));
    return this;
  }

  del(pattern: string, handler: Handler): this {
    this.app.del(pattern, this.access.guard(handler));
    return this;
  }

  ws<T>(pattern: string, behavior: WebSocketBehavior<T>): this {
    this.app.ws<T>(pattern, this.access.guardWs(behavior));
    return this;
  }
}
