import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

/**
 * A loopback WebSocket server that accepts registrations but answers every
 * heartbeat with a reply to another one (in_reply_to 7): a load tool must
 * fail its run against it rather than count those replies. Returns its
 * port and how to close it.
 */
export async function startWrongReplyServer(): Promise<{ port: number; close(): Promise<void> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  server.on('connection', (ws) => {
    ws.on('message', (data: Buffer) => {
      const body = JSON.parse(data.toString('utf8')) as { type: string; msg_id?: number };
      if (body.type === 'ka_register') ws.send(`{"type": "ka_register_ok", "in_reply_to": ${body.msg_id}, "msg_id": 1}`);
      else if (body.msg_id !== undefined) ws.send('{"type": "ka_heartbeat_ok", "in_reply_to": 7, "last_seen_ms_ago": 0, "msg_id": 2}');
    });
  });
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
