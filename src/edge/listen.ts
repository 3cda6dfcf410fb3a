import { createServer } from 'node:net';
import type { TemplatedApp, us_listen_socket } from 'uWebSockets.js';

/** uWS's LIBUS_LISTEN_EXCLUSIVE_PORT: without it uWS sets SO_REUSEPORT, and a second gateway on a taken port would start and share it silently. */
const EXCLUSIVE_PORT = 1;
/** No flag: uWS sets SO_REUSEPORT, so the I/O threads of --threads N share one port (the kernel spreads connections). */
const SHARED_PORT = 0;

type ListenWithOptions = (
  host: string,
  port: number,
  options: number,
  cb: (socket: us_listen_socket | false) => void,
) => TemplatedApp;

/** A bind that failed, with the reason the OS gave (EADDRINUSE, EACCES, ...). */
export class ListenError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
    /** errno name, or 'unknown'. */
    readonly reason: string,
  ) {
    super(`cannot listen on ${host}:${port}: ${REASONS[reason] ?? reason}`);
  }
}

const REASONS: Record<string, string> = {
  EADDRINUSE: 'EADDRINUSE, the port is already in use',
  EACCES: 'EACCES, permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'EADDRNOTAVAIL, no interface on this machine has that address',
  ENOTFOUND: 'ENOTFOUND, the host name does not resolve',
  EAI_AGAIN: 'EAI_AGAIN, the host name could not be resolved now',
  EINVAL: 'EINVAL, not a usable address',
};

/**
 * Binds `app` to host:port exclusively (shared: with SO_REUSEPORT, for sibling
 * I/O threads); rejects with a ListenError that says why.
 */
export function listen(app: TemplatedApp, host: string, port: number, shared = false): Promise<us_listen_socket> {
  return new Promise((resolve, reject) => {
    // The native binary takes (host, port, options, cb); this build's typings miss that overload.
    (app.listen as unknown as ListenWithOptions).call(app, host, port, shared ? SHARED_PORT : EXCLUSIVE_PORT, (socket) => {
      if (socket !== false) resolve(socket);
      else void whyNot(host, port).then((reason) => reject(new ListenError(host, port, reason)));
    });
  });
}

/**
 * uWS reports a failed bind as `false`, nothing more. The same bind tried
 * through Node's net module (exclusive, closed at once) gets the errno.
 */
function whyNot(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'unknown'));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve('unknown')));
  });
}
