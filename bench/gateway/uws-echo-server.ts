/**
 * Baseline (c): a bare uWS echo server, no keep-alive at all: the message
 * rate the transport itself allows on this machine, the ceiling keepwatch's
 * heartbeat throughput is compared with.
 */
import { announceListening, baselineArgs, exitOnSignals } from './baseline-args.js';
import type { us_listen_socket } from 'uWebSockets.js';
import { nativeUws } from './uws-native.js';

const uWS = nativeUws();
const args = baselineArgs(1000);

let listenSocket: us_listen_socket | null = null;
uWS
  .App()
  .ws('/ws', {
    idleTimeout: 0,
    compression: uWS.DISABLED,
    maxPayloadLength: 64 * 1024,
    message: (ws, message, isBinary) => {
      ws.send(message, isBinary);
    },
  })
  .listen(args.host, args.port, (socket) => {
    if (socket === false) {
      process.stderr.write(`uws-echo: cannot listen on ${args.host}:${args.port}\n`);
      process.exit(1);
    }
    listenSocket = socket;
    announceListening('uws-echo', args.port);
  });
exitOnSignals(() => {
  if (listenSocket !== null) uWS.us_listen_socket_close(listenSocket);
});
