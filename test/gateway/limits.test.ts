import { describe, expect, it } from 'vitest';
import { metric, useGateway } from './helpers/gateway-process.js';
import { sleep, TestClient } from './helpers/ws-client.js';

describe('gateway limits', () => {
  // No message rate limit (on by default, 3a25e01): the send-buffer test floods unread error
  // replies at ~40,000 frames/s, which the default rate (10,000/s, burst 1,000 since abe9f1c) closes with 4011 first.
  const gw = useGateway({
      args: ['--max-payload-bytes', '1024', '--max-clients-per-connection', '3', '--max-send-buffer-bytes', '65536', '--register-timeout-ms', '400', '--max-message-rate', '0'],
    });

  const stillServing = async (): Promise<void> => {
    const c = await TestClient.open(gw.wsUrl());
    expect((await c.request({ type: 'ka_check' })).body.type).toBe('ka_check_ok');
    c.close();
  };

  it('drops a connection that sends a frame over --max-payload-bytes (uWS: 1006, no close frame); the server carries on', async () => {
    const c = await TestClient.open(gw.wsUrl());
    await c.register('big-1', 60000);
    c.send({ type: 'ka_heartbeat', client_id: 'big-1', padding: 'x'.repeat(2000) });
    const closed = await c.closed;
    expect(closed.code).toBe(1006);
    await sleep(100);
    expect(metric((await gw.get('/metrics')).text, 'keepwatch_connection_closes_total{reason="oversized_frame"}')).toBe(1);
    const status = JSON.parse((await gw.get('/status')).text) as { connections: { client_id: string }[] };
    expect(status.connections.map((e) => e.client_id)).not.toContain('big-1');
    await stillServing();
  });

  it('drops a connection that sends a text frame of invalid UTF-8 (uWS); the server carries on', async () => {
    const c = await TestClient.open(gw.wsUrl());
    c.sendRaw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), false);
    const closed = await c.closed;
    expect([1006, 1007]).toContain(closed.code);
    await sleep(100);
    expect(metric((await gw.get('/metrics')).text, 'keepwatch_connection_closes_total{reason="invalid_utf8"}')).toBe(1);
    await stillServing();
  });

  it('closes a connection that registers no client within --register-timeout-ms (4004); one that registered stays', async () => {
    // Stamped before connecting: the server cannot have opened it earlier.
    const openedAt = performance.now();
    const idle = await TestClient.open(gw.wsUrl());
    const busy = await TestClient.open(gw.wsUrl());
    await busy.register('busy-1', 60000);
    const closed = await idle.closed;
    expect(closed).toMatchObject({ code: 4004, reason: 'no client registered' });
    expect(closed.at - openedAt).toBeGreaterThanOrEqual(390);
    expect(closed.at - openedAt).toBeLessThan(400 + 1000);
    expect(busy.isOpen).toBe(true);
    busy.close();
  });

  it('closes a connection registering more than --max-clients-per-connection client_ids with 4002', async () => {
    const c = await TestClient.open(gw.wsUrl());
    for (const id of ['m-1', 'm-2', 'm-3']) expect((await c.register(id, 60000)).body.type).toBe('ka_register_ok');
    // Registering one it owns again is no new client.
    expect((await c.register('m-2', 60000)).body.type).toBe('ka_register_ok');
    c.send({ type: 'ka_register', client_id: 'm-4', msg_id: 50 });
    const closed = await c.closed;
    expect(closed).toMatchObject({ code: 4002, reason: 'too many clients on this connection' });
    await sleep(100);
    const status = JSON.parse((await gw.get('/status')).text) as { connections: { client_id: string }[] };
    expect(status.connections.map((e) => e.client_id).filter((id) => id.startsWith('m-'))).toEqual([]);
    await stillServing();
  });

  it('closes a client that does not read once more than --max-send-buffer-bytes wait for it (4003)', async () => {
    const c = await TestClient.open(gw.wsUrl());
    await c.register('slow-reader', 60000);
    await c.register('slow-reader-2', 60000);
    // Stop reading: the kernel buffers fill, then uWS's send buffer, then the bound.
    c.ws.pause();
    const before = metric((await gw.get('/metrics')).text, 'keepwatch_connection_closes_total{reason="send_buffer_full"}');
    const padding = 'p'.repeat(200);
    let closedAt = 0;
    for (let round = 0; round < 400 && closedAt === 0; round++) {
      // Every error reply quotes the unknown type: about 250 bytes each, none of them read.
      for (let i = 0; i < 200; i++) c.send({ type: `unknown-${padding}`, msg_id: i });
      await sleep(5);
      const m = metric((await gw.get('/metrics')).text, 'keepwatch_connection_closes_total{reason="send_buffer_full"}');
      if (m > before) closedAt = performance.now();
    }
    expect(closedAt).toBeGreaterThan(0);
    c.ws.resume();
    c.terminate();
    await stillServing();
  });
});
