/**
 * Baseline (b): uWS with its own keep-alive: `idleTimeout` (whole seconds,
 * checked on uWS's 4-second timer ticks) and `sendPingsAutomatically`, which
 * pings a quiet connection ahead of the timeout and closes it if nothing
 * arrives by then. Any message is activity (uWS resets the timer itself).
 */
import { announceListening, baselineArgs, exitOnSignals } from './baseline-args.js';
import { baselineReply } from './baseline-protocol.js';
import type { us_listen_socket } from 'uWebSockets.js';
import { nativeUws } from './uws-native.js';

const uWS = nativeUws();
const args = baselineArgs(8000);
const idleTimeout = Math.max(8, Math.round(args.intervalMs / 1000));

let listenSocket: us_listen_socket | null = null;
uWS
  .App()
  .ws('/ws', {
    idleTimeout,
    sendPingsAutomatically: true,
    compression: uWS.DISABLED,
    maxPayloadLength: 64 * 1024,
    message: (ws, message, isBinary) => {
      if (isBinary) return;
      const reply = baselineReply(Buffer.from(message).toString('utf8'));
      if (reply !== null) ws.send(reply);
    },
  })
  .listen(args.host, args.port, (socket) => {
    if (socket === false) {
      process.stderr.write(`uws-idle: cannot listen on ${args.host}:${args.port}\n`);
      process.exit(1);
    }
    listenSocket = socket;
    announceListening(`uws-idle(idleTimeout=${idleTimeout}s)`, args.port);
  });
exitOnSignals(() => {
  if (listenSocket !== null) uWS.us_listen_socket_close(listenSocket);
});
