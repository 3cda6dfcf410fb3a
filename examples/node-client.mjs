// A device that stays online: registers, answers every ka_ping, prints what it gets.
// Run a gateway (`npm start`), then: node examples/node-client.mjs [url] [client_id] [timeout_ms] [ping_interval_ms]
import WebSocket from 'ws';

const [url = 'ws://127.0.0.1:9001/ws', clientId = `device-${process.pid}`, timeoutMs = '30000', pingMs = '10000'] = process.argv.slice(2);
const ws = new WebSocket(url);
ws.on('open', () =>
  ws.send(JSON.stringify({ type: 'ka_register', msg_id: 1, client_id: clientId, timeout_ms: Number(timeoutMs), ping_interval_ms: Number(pingMs) })),
);
ws.on('message', (data) => {
  const message = JSON.parse(data.toString());
  console.log(JSON.stringify(message));
  // Answering from the application is the point: a hung app stops answering and is expired.
  if (message.type === 'ka_ping') ws.send(JSON.stringify({ type: 'ka_pong', client_id: clientId, seq: message.seq }));
});
ws.on('close', (code, reason) => console.log(`closed ${code} ${reason}`));
