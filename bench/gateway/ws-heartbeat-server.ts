/**
 * Baseline (a): a `ws` server with the heartbeat pattern of the ws README:
 * one setInterval for all connections; a connection that has not answered
 * the previous tick's ping (isAlive still false) is terminated, the others
 * are marked not alive and pinged. A dead client is therefore closed one to
 * two intervals after its last sign of life. Any message also marks it alive.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import { announceListening, baselineArgs, exitOnSignals } from './baseline-args.js';
import { baselineReply } from './baseline-protocol.js';

const args = baselineArgs(4000);
const alive = new WeakSet<WebSocket>();
const wss = new WebSocketServer({ host: args.host, port: args.port, path: '/ws', perMessageDeflate: false, backlog: 4096 });

wss.on('connection', (ws) => {
  alive.add(ws);
  ws.on('error', () => ws.terminate());
  ws.on('pong', () => alive.add(ws));
  ws.on('message', (data, isBinary) => {
    alive.add(ws);
    if (isBinary) return;
    const reply = baselineReply(data.toString());
    if (reply !== null) ws.send(reply);
  });
});

const interval = setInterval(() => {
  for (const ws of wss.clients) {
    if (!alive.has(ws)) {
      ws.terminate();
      continue;
    }
    alive.delete(ws);
    ws.ping();
  }
}, args.intervalMs);

wss.on('listening', () => announceListening('ws-heartbeat', args.port));
wss.on('close', () => clearInterval(interval));
exitOnSignals(() => wss.close());
