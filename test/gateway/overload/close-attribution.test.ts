import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { metric, useGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { sleep, TestClient } from '../helpers/ws-client.js';

/** Issue 8, item 9: a peer's words cannot be counted as the gateway's drop reasons; what uWS does with an unmasked frame. */
const closes = async (gw: GatewayProcess): Promise<Record<string, number>> => {
  const text = (await gw.get('/metrics')).text;
  const reasons = ['client_closed', 'oversized_frame', 'invalid_utf8', 'connection_lost'];
  return Object.fromEntries(reasons.map((r) => [r, metric(text, `keepwatch_connection_closes_total{reason="${r}"}`)]));
};

/** A raw socket upgraded to /ws, with everything the server sent after the 101. */
function rawWebSocket(gw: GatewayProcess): Promise<{ socket: net.Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: gw.port }, () =>
      socket.write(
        'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      ),
    );
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.once('error', reject);
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      if (!head.startsWith('HTTP/1.1 101')) reject(new Error(head));
      else resolve({ socket, closed });
    };
    socket.on('data', onData);
  });
}

describe('close-reason attribution and unmasked frames', () => {
  const gw = useGateway({ args: ['--max-payload-bytes', '1024'] });

  it("counts a clean close whose reason text is uWS's drop wording as client_closed, and a real oversized frame as oversized_frame", async () => {
    const before = await closes(gw);
    for (const reason of ['Received too big message', 'Received invalid UTF-8']) {
      const c = await TestClient.open(gw.wsUrl());
      c.ws.close(1000, reason);
      await c.closed;
    }
    const big = await TestClient.open(gw.wsUrl());
    big.send({ type: 'ka_check', padding: 'x'.repeat(2000) });
    expect((await big.closed).code).toBe(1006);
    await sleep(200);
    const after = await closes(gw);
    expect(after.client_closed - before.client_closed).toBe(2);
    expect(after.oversized_frame - before.oversized_frame).toBe(1);
    expect(after.invalid_utf8 - before.invalid_utf8).toBe(0);
  });

  it('an unmasked client frame (RFC 6455 5.1) registers nobody and the connection ends; uWS, not the gateway, decides how', async () => {
    // uWS's server parser never reads the MASK bit (WebSocketProtocol.h: a server frame header is taken as 6 bytes,
    // the 4 after the length as the mask), and its JS API hands the handler only the unmasked payload: the gateway
    // cannot see that a frame was unmasked. The frame is misread (its first 4 payload bytes taken as the mask)
    // into bytes that are not UTF-8, and uWS drops the connection as invalid UTF-8.
    const before = await closes(gw);
    const { socket, closed } = await rawWebSocket(gw);
    const payload = Buffer.from('{"type": "ka_register", "client_id": "unmasked-1", "timeout_ms": 60000, "msg_id": 1}');
    const frame = Buffer.concat([Buffer.from([0x81, payload.length]), payload]);
    socket.write(frame);
    socket.write(frame);
    await Promise.race([closed, sleep(5000)]);
    expect(socket.destroyed).toBe(true);
    expect(JSON.parse((await gw.get('/healthz')).text)).toMatchObject({ clients: 0 });
    const after = await closes(gw);
    expect(after.invalid_utf8 - before.invalid_utf8).toBe(1);
  });
});
