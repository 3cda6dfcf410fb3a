import type { TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import type { Uws } from '../transports/gateway/native-uws.js';
import { AdminAccess } from './admin-access.js';
import { AdminRoutes } from './admin-routes.js';
import type { EdgeMetrics } from './edge-metrics.js';
import { listen } from './listen.js';

export interface AdminSurfaceOptions {
  adminToken: string | undefined;
  adminHost: string;
  /** undefined: admin routes on the gateway's own port. */
  adminPort: number | undefined;
}

/**
 * The admin routes' home: the gateway's app (loopback peers, or a token),
 * or a separate uWS app on --admin-host:--admin-port (a token if set),
 * which the gateway's port then does not serve at all (404).
 */
export class AdminSurface {
  readonly routes: AdminRoutes;
  /** The separate listener's app, if any (the gateway adds its 404 route last). */
  readonly separateApp: TemplatedApp | undefined;
  private listenSocket: us_listen_socket | undefined;

  constructor(
    private readonly options: AdminSurfaceOptions,
    private readonly uws: Uws,
    mainApp: TemplatedApp,
    /** Makes the separate listener's app (plain or TLS, like the gateway's). */
    newApp: () => TemplatedApp,
    metrics: EdgeMetrics,
  ) {
    this.separateApp = options.adminPort === undefined ? undefined : newApp();
    const access = new AdminAccess(options.adminToken, this.separateApp !== undefined, (reason) => metrics.adminRefused(reason));
    this.routes = new AdminRoutes(this.separateApp ?? mainApp, access);
  }

  /** Binds the separate listener; resolves with its port (undefined when admin shares the gateway's port). */
  async listen(): Promise<number | undefined> {
    if (this.separateApp === undefined || this.options.adminPort === undefined) return undefined;
    this.listenSocket = await listen(this.separateApp, this.options.adminHost, this.options.adminPort);
    return this.uws.us_socket_local_port(this.listenSocket as never);
  }

  close(): void {
    if (this.listenSocket !== undefined) this.uws.us_listen_socket_close(this.listenSocket);
    this.listenSocket = undefined;
  }
}
