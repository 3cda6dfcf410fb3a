/**
 * Baseline (c): a bare uWS echo server, no keep-alive at all: the message
 * rate the transport itself allows on this machine, the ceiling keepwatch's
 * heartbeat throughput is compared with. With --tls-cert/--tls-key it is
 * uWS's SSLApp: the memory a TLS connection costs inside uWS, keepwatch's
 * code aside (bench:gateway --edge-rss); --tls-low-memory adds
 * ssl_prefer_low_memory_usage, to see what uWS's low-memory switch saves.
 */
import { announceListening, baselineArgs, exitOnSignals } from './baseline-args.js';
import type { us_listen_socket } from 'uWebSockets.js';
import { nativeUws } from './uws-native.js';

const uWS = nativeUws();
const args = baselineArgs(1000);

let listenSocket: us_listen_socket | null = null;
(args.tls === undefined
  ? uWS.App()
  : uWS.SSLApp({ cert_file_name: args.tls.cert, key_file_name: args.tls.key, ssl_prefer_low_memory_usage: args.tls.lowMemory }))
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
    announceListening(args.tls === undefined ? 'uws-echo' : 'uws-echo-tls', args.port);
  });
exitOnSignals(() => {
  if (listenSocket !== null) uWS.us_listen_socket_close(listenSocket);
});
