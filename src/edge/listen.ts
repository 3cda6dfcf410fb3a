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

/** Binds `app` to host:port exclusively (shared: with SO_REUSEPORT, for sibling I/O threads); rejects when uWS cannot. */
export function listen(app: TemplatedApp, host: string, port: number, shared = false): Promise<us_listen_socket> {
  return new Promise((resolve, reject) => {
    // The native binary takes (host, port, options, cb); this build's typings miss that overload.
    (app.listen as unknown as ListenWithOptions).call(app, host, port, shared ? SHARED_PORT : EXCLUSIVE_PORT, (socket) => {
      if (socket === false) reject(new Error(`cannot listen on ${host}:${port}`));
      else resolve(socket);
    });
  });
}
