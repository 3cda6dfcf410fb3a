// An edge that speaks for many devices over one connection. Every device but the
// last heartbeats; the last falls silent and the gateway reports it with ka_expired
// (the connection stays open for the others). Exits 0 once that report arrives.
// node examples/multiplex-edge.mjs [url] [devices] [timeout_ms]
import WebSocket from 'ws';

const [url = 'ws://127.0.0.1:9001/ws', count = '3', timeout = '2000'] = process.argv.slice(2);
const timeoutMs = Number(timeout);
const devices = Array.from({ length: Number(count) }, (_, i) => `edge-${process.pid}-dev-${i}`);
const silent = devices.at(-1);
const send = (body) => ws.send(JSON.stringify(body));

const ws = new WebSocket(url);
ws.on('open', () => {
  for (const id of devices) send({ type: 'ka_register', client_id: id, timeout_ms: timeoutMs, ping_interval_ms: timeoutMs });
  const beat = setInterval(() => {
    for (const id of devices) if (id !== silent) send({ type: 'ka_heartbeat', client_id: id });
  }, timeoutMs / 4);
  ws.on('close', () => clearInterval(beat));
});
ws.on('message', (data) => {
  const message = JSON.parse(data.toString());
  console.log(JSON.stringify(message));
  // On a multiplexed connection a ka_ping names its device: answer for the live ones.
  if (message.type === 'ka_ping' && message.client_id !== silent) send({ type: 'ka_pong', client_id: message.client_id, seq: message.seq });
  if (message.type === 'ka_expired' && message.client_id === silent) ws.close(1000, 'done');
});
ws.on('close', (code) => process.exit(code === 1000 || code === 1005 ? 0 : 1));
