import { describe, expect, it } from 'vitest';
import { useGateway } from './helpers/gateway-process.js';
import { sleep, TestClient } from './helpers/ws-client.js';

/** The request/reply bodies of the spec over /ws, and bad input that changes nothing. */
describe('gateway /ws protocol', () => {
  const gw = useGateway();

  it('logs at start-up that the native uWS binary serves, and the bound port', () => {
    expect(gw.startup.event).toBe('listening');
    expect(gw.startup.uws).toBe('native');
    expect(gw.port).toBeGreaterThan(0);
  });

  it('answers register, heartbeat, check, status with the spec bodies; msg_id counts replies per connection', async () => {
    const c = await TestClient.open(gw.wsUrl());
    const reg = await c.request({ type: 'ka_register', client_id: 'p-1', timeout_ms: 30000, ping_interval_ms: 10000 });
    expect(reg.text).toBe('{"type": "ka_register_ok", "in_reply_to": 1, "timeout_ms": 30000, "ping_interval_ms": 10000, "msg_id": 0}');
    const hb = await c.request({ type: 'ka_heartbeat', client_id: 'p-1' });
    expect(hb.text).toBe('{"type": "ka_heartbeat_ok", "in_reply_to": 2, "last_seen_ms_ago": 0, "msg_id": 1}');
    await c.request({ type: 'ka_register', client_id: 'p-2\u00e9' });
    const check = await c.request({ type: 'ka_check', current_time_ms: 10 ** 12 });
    expect(check.text).toBe('{"type": "ka_check_ok", "in_reply_to": 4, "expired": [], "active": ["p-1", "p-2\\u00e9"], "msg_id": 3}');
    await sleep(30);
    const status = await c.request({ type: 'ka_status' });
    expect(status.body.type).toBe('ka_status_ok');
    const connections = status.body.connections as { client_id: string; last_seen_ms_ago: number; status: string }[];
    expect(connections.map((e) => e.client_id)).toEqual(['p-1', 'p-2é']);
    for (const e of connections) {
      expect(Object.keys(e)).toEqual(['client_id', 'last_seen_ms_ago', 'status']);
      expect(e.status).toBe('active');
      expect(e.last_seen_ms_ago).toBeGreaterThanOrEqual(20);
      expect(e.last_seen_ms_ago).toBeLessThan(5000);
    }
    // A client's current_time_ms did not move the server's clock: nobody expired.
    expect(c.isOpen).toBe(true);
    c.close();
  });

  it('answers a heartbeat the same however it is spelled', async () => {
    const c = await TestClient.open(gw.wsUrl());
    const ids = ['plain-1', 'quo"te', 'back\\slash', 'caf\u00e9', 'x'.repeat(256)];
    for (const id of ids) await c.register(id, 60000);
    const frames = [
      '{"type":"ka_heartbeat","client_id":"plain-1","msg_id":100}',
      '{"type": "ka_heartbeat", "client_id": "plain-1", "msg_id": 101}',
      '{"msg_id": 102, "type": "ka_heartbeat", "client_id": "plain-1"}',
      '{"type": "ka_heartbeat", "client_id": "plain-1", "msg_id": 103.0}',
      '{"type": "ka_heartbeat", "client_id": "quo\\"te", "msg_id": 104}',
      '{"type": "ka_heartbeat", "client_id": "back\\\\slash", "msg_id": 105}',
      '{"type": "ka_heartbeat", "client_id": "caf\\u00e9", "msg_id": 106}',
      '{"type": "ka_heartbeat", "client_id": "café", "msg_id": 107}',
      `{"type": "ka_heartbeat", "client_id": "${'x'.repeat(256)}", "msg_id": 108}`,
      '{"type": "ka_heartbeat", "client_id": "plain-1", "extra": true, "msg_id": 109}',
    ];
    for (const [i, frame] of frames.entries()) {
      const reply = c.next((m) => m.body.in_reply_to === 100 + i);
      c.sendRaw(frame);
      expect((await reply).body).toMatchObject({ type: 'ka_heartbeat_ok', last_seen_ms_ago: 0 });
    }
    const refused = [
      ['{"type": "ka_heartbeat", "client_id": "plain-2", "msg_id": 110}', 20],
      [`{"type": "ka_heartbeat", "client_id": "${'x'.repeat(257)}", "msg_id": 111}`, 12],
      ['{"type": "ka_heartbeat", "client_id": "", "msg_id": 112}', 12],
    ] as const;
    for (const [frame, code] of refused) {
      const msgId = Number(/"msg_id": (\d+)/.exec(frame)?.[1]);
      const reply = c.next((m) => m.body.in_reply_to === msgId);
      c.sendRaw(frame);
      expect((await reply).body).toMatchObject({ type: 'error', code });
    }
    // Leading zeros are not JSON: error 12 with no in_reply_to.
    c.sendRaw('{"type": "ka_heartbeat", "client_id": "plain-1", "msg_id": 007}');
    expect((await c.next((m) => m.body.text === 'invalid JSON')).body).toMatchObject({ type: 'error', code: 12 });
    c.close();
  });

  it('answers nothing to a request without msg_id, but it still counts', async () => {
    const c = await TestClient.open(gw.wsUrl());
    c.send({ type: 'ka_register', client_id: 'ff-1', timeout_ms: 60000 });
    c.send({ type: 'ka_heartbeat', client_id: 'ff-1' });
    const check = await c.request({ type: 'ka_check' });
    expect(check.body.active).toEqual(['ff-1']);
    expect(c.inbox).toHaveLength(1);
    c.close();
  });

  it('sends an error for every kind of bad input, and the connection carries on', async () => {
    const c = await TestClient.open(gw.wsUrl());
    c.sendRaw(Buffer.from([1, 2, 3]), true);
    const binary = await c.next((m) => m.body.type === 'error');
    expect(binary.text).toBe(
      '{"type": "error", "code": 12, "text": "binary frames are not supported: send each request as a JSON text frame", "msg_id": 0}',
    );
    c.sendRaw('{"type": "ka_status", ');
    expect((await c.next((m) => m.body.msg_id === 1)).text).toBe('{"type": "error", "code": 12, "text": "invalid JSON", "msg_id": 1}');
    c.sendRaw('NaN');
    expect((await c.next((m) => m.body.msg_id === 2)).body).toMatchObject({ code: 12, text: 'invalid JSON' });
    c.sendRaw('[1, 2]');
    expect((await c.next((m) => m.body.msg_id === 3)).body).toMatchObject({ code: 12, text: 'a request must be a JSON object' });
    c.sendRaw('{"type": "ka_status", "msg_id": -1}');
    const badId = await c.next((m) => m.body.msg_id === 4);
    expect(badId.body).toMatchObject({ code: 12, text: "field 'msg_id' must be an integer >= 0" });
    expect(badId.body).not.toHaveProperty('in_reply_to');

    const unknown = await c.request({ type: 'ka_bogus' });
    expect(unknown.text).toBe(`{"type": "error", "in_reply_to": ${unknown.body.in_reply_to}, "code": 10, "text": "unknown message type 'ka_bogus'", "msg_id": 5}`);
    expect((await c.request({ client_id: 'x' })).body).toMatchObject({ type: 'error', code: 12, text: "missing field 'type'" });
    expect((await c.request({ type: 'ka_register' })).body).toMatchObject({ code: 12, text: "missing field 'client_id'" });
    expect((await c.request({ type: 'ka_register', client_id: '' })).body).toMatchObject({ code: 12 });
    expect((await c.request({ type: 'ka_register', client_id: 'x'.repeat(257) })).body).toMatchObject({ code: 12 });
    expect((await c.request({ type: 'ka_register', client_id: 'b', timeout_ms: 0 })).body).toMatchObject({
      code: 12,
      text: "field 'timeout_ms' must be an integer in 1..2147483647",
    });
    expect((await c.request({ type: 'ka_register', client_id: 'b', ping_interval_ms: null })).body).toMatchObject({ code: 12 });
    expect((await c.request({ type: 'ka_check', current_time_ms: 1.5 })).body).toMatchObject({ code: 12 });
    expect((await c.request({ type: 'ka_heartbeat', client_id: 'never-registered' })).body).toMatchObject({ type: 'error', code: 20 });
    // Without msg_id an error is still sent (a socket has no stderr), with no in_reply_to.
    c.send({ type: 'ka_heartbeat', client_id: 'never-registered' });
    const silentError = await c.next((m) => m.body.code === 20 && !('in_reply_to' in m.body));
    expect(silentError.body).toMatchObject({ type: 'error', code: 20 });

    // Nothing above registered anything, and the connection still works.
    expect(c.isOpen).toBe(true);
    const check = await c.request({ type: 'ka_check' });
    expect(check.body).toMatchObject({ type: 'ka_check_ok', expired: [], active: [] });
    const other = await TestClient.open(gw.wsUrl());
    expect((await other.register('still-serving')).body.type).toBe('ka_register_ok');
    other.close();
    c.close();
  });

  it('refreshes only clients a connection owns: a heartbeat for another connection\'s client is error 20', async () => {
    const a = await TestClient.open(gw.wsUrl());
    const b = await TestClient.open(gw.wsUrl());
    await a.register('owned-by-a', 60000);
    const reply = await b.request({ type: 'ka_heartbeat', client_id: 'owned-by-a' });
    expect(reply.body).toMatchObject({ type: 'error', code: 20 });
    expect((await a.request({ type: 'ka_heartbeat', client_id: 'owned-by-a' })).body.type).toBe('ka_heartbeat_ok');
    a.close();
    b.close();
  });

  it('a ka_pong however spelled refreshes only a client of its connection: for another connection\'s client it is error 20', async () => {
    const a = await TestClient.open(gw.wsUrl());
    const b = await TestClient.open(gw.wsUrl());
    await a.register('pong-owned', 60000);
    await b.register('pong-other', 60000);
    // The spellings the regex path takes (both spacings, with and without seq) and one it leaves to JSON.parse.
    const frames = [
      '{"type":"ka_pong","client_id":"pong-owned"}',
      '{"type": "ka_pong", "client_id": "pong-owned", "seq": 7}',
      '{"client_id": "pong-owned", "type": "ka_pong"}',
    ];
    // Frames are answered in order: by the ka_check's reply, every pong has had its error.
    for (const frame of frames) b.sendRaw(frame);
    expect((await b.request({ type: 'ka_check' })).body.type).toBe('ka_check_ok');
    expect(b.ofType('error').map((m) => m.body.code)).toEqual([20, 20, 20]);
    // The owner's pongs are accepted silently: the next reply it gets is its own request's.
    for (const frame of frames) a.sendRaw(frame);
    expect((await a.request({ type: 'ka_check' })).body.type).toBe('ka_check_ok');
    expect(a.ofType('error')).toHaveLength(0);
    a.close();
    b.close();
  });

  it('answers HTTP 404 for unknown paths on the same port', async () => {
    const res = await gw.get('/nope');
    expect(res.status).toBe(404);
  });
});
