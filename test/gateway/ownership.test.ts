import { describe, expect, it } from 'vitest';
import { metric, useGateway } from './helpers/gateway-process.js';
import { sleep, TestClient } from './helpers/ws-client.js';

describe('gateway ownership of client_ids', () => {
  const gw = useGateway();

  it('moves a client_id registered again from another connection; the old one is told (ka_moved) and closed with 4001 when left empty', async () => {
    const oldConn = await TestClient.open(gw.wsUrl());
    await oldConn.register('phone-1', 60000);
    const newConn = await TestClient.open(gw.wsUrl());
    expect((await newConn.register('phone-1', 60000)).body.type).toBe('ka_register_ok');
    const moved = await oldConn.next((m) => m.body.type === 'ka_moved');
    expect(moved.text).toBe('{"type": "ka_moved", "client_id": "phone-1"}');
    expect(await oldConn.closed).toMatchObject({ code: 4001, reason: 'client moved to another connection' });
    expect((await newConn.request({ type: 'ka_heartbeat', client_id: 'phone-1' })).body.type).toBe('ka_heartbeat_ok');
    expect((await newConn.request({ type: 'ka_check' })).body).toMatchObject({ active: ['phone-1'] });
    // The old connection's close did not take the moved client with it.
    const status = JSON.parse((await gw.get('/status')).text) as { connections: { client_id: string }[] };
    expect(status.connections.map((e) => e.client_id)).toContain('phone-1');
    expect(metric((await gw.get('/metrics')).text, 'keepwatch_client_moves_total')).toBe(1);
    newConn.close();
  });

  it('keeps an old connection that still owns other clients open; it can no longer heartbeat the moved one', async () => {
    const edgeA = await TestClient.open(gw.wsUrl());
    await edgeA.register('dev-a1', 60000);
    await edgeA.register('dev-a2', 60000);
    const edgeB = await TestClient.open(gw.wsUrl());
    await edgeB.register('dev-a2', 60000);
    await edgeA.next((m) => m.body.type === 'ka_moved' && m.body.client_id === 'dev-a2');
    await sleep(50);
    expect(edgeA.isOpen).toBe(true);
    expect((await edgeA.request({ type: 'ka_heartbeat', client_id: 'dev-a2' })).body).toMatchObject({ type: 'error', code: 20 });
    expect((await edgeA.request({ type: 'ka_status' })).body.connections).toEqual([
      expect.objectContaining({ client_id: 'dev-a1', status: 'active' }),
    ]);
    expect((await edgeB.request({ type: 'ka_check' })).body).toMatchObject({ active: ['dev-a2'] });
    edgeA.close();
    edgeB.close();
  });

  it('re-registering on the same connection keeps the client\'s place and replaces its settings', async () => {
    const c = await TestClient.open(gw.wsUrl(), { autoPong: false });
    await c.register('r-1', 60000);
    await c.register('r-2', 60000);
    await c.register('r-1', 300, 100);
    expect((await c.request({ type: 'ka_check' })).body).toMatchObject({ active: ['r-1', 'r-2'] });
    // r-1's new 300 ms timeout applies: it alone expires.
    const expired = await c.next((m) => m.body.type === 'ka_expired', 3000);
    expect(expired.body.client_id).toBe('r-1');
    c.close();
  });
});
