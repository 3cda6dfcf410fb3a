import { createServer, type AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';
import type { LoadedUws } from '../native-uws.js';
import type { GatewayOptions } from '../options.js';
import { SupervisorMetrics } from './supervisor-metrics.js';
import { ThreadSupervisor } from './thread-supervisor.js';

export interface ThreadedGateway {
  readonly port: number;
  /** The --admin-port listener's port (I/O thread 0 serves it), if any. */
  readonly adminPort: number | undefined;
  /** Every thread: stops accepting, 1001 to every connection, closes its app and exits. */
  stop(): Promise<void>;
}

/** Thread shutdown leaves this much of --shutdown-timeout-ms to the process for its own exit. */
const EXIT_MARGIN_MS = 200;

/**
 * `keepwatch serve --threads N` (N >= 2): N I/O threads, each the whole
 * per-thread gateway, on one port shared with SO_REUSEPORT (the kernel
 * spreads connections over them). The port is first bound exclusively and
 * released: without that check, a second gateway on a taken port would
 * join the first one's SO_REUSEPORT group and silently share it. (Between
 * the check and the threads' binds, another process could take the port;
 * the threads then fail to listen and the gateway exits 4, as on a taken port.)
 */
export async function startThreadedGateway(options: GatewayOptions, loaded: LoadedUws, log: Logger): Promise<ThreadedGateway> {
  // uWS sets SO_REUSEPORT only on a given port (never on port 0), so a free one is picked here.
  const requested = await claimPort(options.host, options.port);
  // Picked here too for --admin-port 0: a replacement of the admin thread must bind the same port again.
  const adminPort = options.adminPort === undefined ? undefined : await claimPort(options.adminHost, options.adminPort);
  const supervisor = new ThreadSupervisor({ ...options, port: requested, adminPort }, loaded.native ? 'native' : 'js-fallback', log, new SupervisorMetrics());
  const port = await supervisor.start();
  return {
    port,
    adminPort,
    stop: () => supervisor.stop(Math.max(0, options.shutdownTimeoutMs - EXIT_MARGIN_MS)),
  };
}

/** Binds `port` exclusively (0: any free port) and releases it; resolves with the port, rejects if taken. */
function claimPort(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error) => reject(new Error(`cannot listen on ${host}:${port}: ${error.message}`)));
    probe.listen({ host, port, exclusive: true }, () => {
      const bound = (probe.address() as AddressInfo).port;
      probe.close(() => resolve(bound));
    });
  });
}
