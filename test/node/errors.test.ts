import { describe, it } from 'vitest';
import { Script } from '../helpers/script.js';

const init = (msg_id: number, extra: Record<string, unknown> = {}) => ({
  type: 'init',
  msg_id,
  node_id: 'n1',
  node_ids: ['n1'],
  ...extra,
});

describe('error 10: unknown type', () => {
  it('answers an unknown type after init with code 10, counting the error as a message', async () => {
    await Script.initialised()
      .send({ type: 'ka_frobnicate', msg_id: 5 })
      .error(5, 10, { mentions: 'ka_frobnicate' })
      .send({ type: 'ka_status', msg_id: 6 })
      .reply({ type: 'ka_status_ok', in_reply_to: 6, connections: [] })
      .verify();
  });

  it('treats reply types and inherited property names as unknown types', async () => {
    const s = Script.initialised();
    ['init_ok', 'ka_check_ok', 'error', '__proto__', 'toString', 'constructor', 'KA_STATUS', ''].forEach((type, i) =>
      s.send({ type, msg_id: 10 + i }).error(10 + i, 10),
    );
    await s.verify();
  });

  it("knows only the spec's requests: the gateway's ka_pong is 10, and a heartbeat's seq is not read", async () => {
    // One KeepAliveService serves both transports; the gateway's dialect (it pings) must not leak into the node's.
    await Script.initialised()
      .send({ type: 'ka_register', msg_id: 2, client_id: 'p1' })
      .reply({ type: 'ka_register_ok', in_reply_to: 2 })
      .send({ type: 'ka_pong', msg_id: 3, client_id: 'p1', seq: 1 })
      .error(3, 10, { mentions: 'ka_pong' })
      .send({ type: 'ka_heartbeat', msg_id: 4, client_id: 'p1', seq: 'one' })
      .reply({ type: 'ka_heartbeat_ok', in_reply_to: 4, last_seen_ms_ago: 0 })
      .verify();
  });

  it('checks the type before the fields: an unknown type with bad fields is 10', async () => {
    await Script.initialised().send({ type: 'nope', msg_id: 2, client_id: 5, timeout_ms: null }).error(2, 10).verify();
  });
});

describe('error 11: not initialised', () => {
  it("answers every non-init request before init with 11, src = the request's dest", async () => {
    const s = new Script();
    s.send({ type: 'ka_register', msg_id: 1, client_id: 'c1' }, 'c1', 'n9').error(1, 11, { src: 'n9', dest: 'c1' });
    s.send({ type: 'ka_heartbeat', msg_id: 2, client_id: 'c1' }, 'c2', 'nX').error(2, 11, { src: 'nX', dest: 'c2' });
    s.send({ type: 'ka_check', msg_id: 3, current_time_ms: 5 }, 'c3', 'n1').error(3, 11, { src: 'n1', dest: 'c3' });
    s.send({ type: 'ka_status', msg_id: 4 }, 'c4', 'n1').error(4, 11, { src: 'n1', dest: 'c4' });
    await s.verify();
  });

  it("uses the empty string as src when the request has no dest", async () => {
    const s = new Script();
    s.raw('{"src": "c1", "body": {"type": "ka_status", "msg_id": 1}}').error(1, 11, { src: '', dest: 'c1' });
    await s.verify();
  });

  it('an unknown type before init is 11 (not initialised comes before unknown type)', async () => {
    await new Script().send({ type: 'ka_frobnicate', msg_id: 1 }, 'c1', 'n1').error(1, 11, { src: 'n1' }).verify();
  });

  it('ill-typed fields before init are 11 too (fields are checked after initialisation)', async () => {
    await new Script().send({ type: 'ka_register', msg_id: 1, client_id: 7 }, 'c1', 'n1').error(1, 11, { src: 'n1' }).verify();
  });

  it('errors before init advance the msg_id counter; init then gets the next id', async () => {
    const s = new Script();
    s.send({ type: 'ka_status', msg_id: 1 }, 'c1', 'n1').error(1, 11, { src: 'n1' });
    s.send(init(2), 'c0').initialisedAs('n1').reply({ type: 'init_ok', in_reply_to: 2 }, 'c0');
    s.send({ type: 'ka_status', msg_id: 3 }).reply({ type: 'ka_status_ok', in_reply_to: 3, connections: [] });
    await s.verify();
  });

  it('a rejected request before init registers nothing', async () => {
    const s = new Script();
    s.send({ type: 'ka_register', msg_id: 1, client_id: 'early' }, 'c1', 'n1').error(1, 11, { src: 'n1' });
    s.send(init(2), 'c0').initialisedAs('n1').reply({ type: 'init_ok', in_reply_to: 2 }, 'c0');
    s.send({ type: 'ka_check', msg_id: 3 }).reply({ type: 'ka_check_ok', in_reply_to: 3, expired: [], active: [] });
    await s.verify();
  });
});

describe('error 12: malformed request, naming the field', () => {
  it('a missing or non-string type is 12 naming type, even before init', async () => {
    const s = new Script();
    s.send({ msg_id: 1 }, 'c1', 'n1').error(1, 12, { src: 'n1', mentions: 'type' });
    s.send({ type: 5, msg_id: 2 }, 'c1', 'n1').error(2, 12, { src: 'n1', mentions: 'type' });
    s.send({ type: null, msg_id: 3 }, 'c1', 'n1').error(3, 12, { src: 'n1', mentions: 'type' });
    s.send({ type: ['init'], msg_id: 4 }, 'c1', 'n1').error(4, 12, { src: 'n1', mentions: 'type' });
    await s.verify();
  });

  it('an init with a bad node_id or node_ids is 12 and does not initialise the node', async () => {
    const s = new Script();
    const bad: [Record<string, unknown>, string][] = [
      [{ node_id: '' }, 'node_id'],
      [{ node_id: 5 }, 'node_id'],
      [{ node_id: null }, 'node_id'],
      [{ node_id: undefined }, 'node_id'],
      [{ node_ids: 'n1' }, 'node_ids'],
      [{ node_ids: [1] }, 'node_ids'],
      [{ node_ids: ['n1', null] }, 'node_ids'],
      [{ node_ids: null }, 'node_ids'],
      [{ node_ids: undefined }, 'node_ids'],
      [{ node_ids: { 0: 'n1' } }, 'node_ids'],
    ];
    bad.forEach(([extra, field], i) => s.send(init(i + 1, extra), 'c0', 'nd').error(i + 1, 12, { src: 'nd', dest: 'c0', mentions: field }));
    // Still not initialised: the next request is 11 with src = its dest.
    s.send({ type: 'ka_status', msg_id: 50 }, 'c1', 'nd').error(50, 11, { src: 'nd' });
    await s.verify();
  });

  it('an empty node_ids array is accepted', async () => {
    const s = new Script();
    s.send({ type: 'init', msg_id: 1, node_id: 'n7', node_ids: [] }, 'c0').initialisedAs('n7').reply({ type: 'init_ok', in_reply_to: 1 }, 'c0');
    await s.verify();
  });

  const fieldCases: [string, Record<string, unknown>, string][] = [
    ['register without client_id', { type: 'ka_register' }, 'client_id'],
    ['register with numeric client_id', { type: 'ka_register', client_id: 5 }, 'client_id'],
    ['register with null client_id', { type: 'ka_register', client_id: null }, 'client_id'],
    ['register with empty client_id', { type: 'ka_register', client_id: '' }, 'client_id'],
    ['register with 257-byte client_id', { type: 'ka_register', client_id: 'x'.repeat(257) }, 'client_id'],
    ['register with array client_id', { type: 'ka_register', client_id: ['c1'] }, 'client_id'],
    ['timeout_ms 0', { type: 'ka_register', client_id: 'c1', timeout_ms: 0 }, 'timeout_ms'],
    ['timeout_ms -1', { type: 'ka_register', client_id: 'c1', timeout_ms: -1 }, 'timeout_ms'],
    ['timeout_ms 2^31', { type: 'ka_register', client_id: 'c1', timeout_ms: 2 ** 31 }, 'timeout_ms'],
    ['timeout_ms 1.5', { type: 'ka_register', client_id: 'c1', timeout_ms: 1.5 }, 'timeout_ms'],
    ['timeout_ms "100"', { type: 'ka_register', client_id: 'c1', timeout_ms: '100' }, 'timeout_ms'],
    ['timeout_ms null', { type: 'ka_register', client_id: 'c1', timeout_ms: null }, 'timeout_ms'],
    ['timeout_ms true', { type: 'ka_register', client_id: 'c1', timeout_ms: true }, 'timeout_ms'],
    ['ping_interval_ms 0', { type: 'ka_register', client_id: 'c1', ping_interval_ms: 0 }, 'ping_interval_ms'],
    ['ping_interval_ms 2^31', { type: 'ka_register', client_id: 'c1', ping_interval_ms: 2 ** 31 }, 'ping_interval_ms'],
    ['ping_interval_ms null', { type: 'ka_register', client_id: 'c1', ping_interval_ms: null }, 'ping_interval_ms'],
    ['ping_interval_ms 2.25', { type: 'ka_register', client_id: 'c1', ping_interval_ms: 2.25 }, 'ping_interval_ms'],
    ['heartbeat without client_id', { type: 'ka_heartbeat' }, 'client_id'],
    ['heartbeat with numeric client_id', { type: 'ka_heartbeat', client_id: 1 }, 'client_id'],
    ['heartbeat with empty client_id', { type: 'ka_heartbeat', client_id: '' }, 'client_id'],
    ['current_time_ms -1', { type: 'ka_check', current_time_ms: -1 }, 'current_time_ms'],
    ['current_time_ms 2^53', { type: 'ka_check', current_time_ms: 2 ** 53 }, 'current_time_ms'],
    ['current_time_ms 0.5', { type: 'ka_check', current_time_ms: 0.5 }, 'current_time_ms'],
    ['current_time_ms null', { type: 'ka_check', current_time_ms: null }, 'current_time_ms'],
    ['current_time_ms "5"', { type: 'ka_check', current_time_ms: '5' }, 'current_time_ms'],
    ['current_time_ms {}', { type: 'ka_check', current_time_ms: {} }, 'current_time_ms'],
  ];
  for (const [name, body, field] of fieldCases) {
    it(`${name} is 12 naming ${field}`, async () => {
      await Script.initialised().send({ ...body, msg_id: 9 }).error(9, 12, { mentions: field }).verify();
    });
  }

  // Several fields wrong at once: the first in the type's field order (docs/protocol.md) is named, whatever the key order on the wire.
  const severalWrong: [string, Record<string, unknown>, string][] = [
    ['client_id and timeout_ms', { timeout_ms: 0, client_id: 5, type: 'ka_register' }, "'client_id'"],
    ['client_id, timeout_ms and ping_interval_ms', { ping_interval_ms: -1, timeout_ms: 'x', client_id: '', type: 'ka_register' }, "'client_id'"],
    ['timeout_ms and ping_interval_ms', { ping_interval_ms: 0, client_id: 'c1', timeout_ms: 1.5, type: 'ka_register' }, "'timeout_ms'"],
  ];
  for (const [name, body, field] of severalWrong) {
    it(`${name} wrong at once: 12 naming ${field}, the first in field order`, async () => {
      await Script.initialised().send({ ...body, msg_id: 3 }).error(3, 12, { mentions: field }).verify();
    });
  }

  it('field errors (12) come before state errors (20)', async () => {
    await Script.initialised().send({ type: 'ka_heartbeat', msg_id: 2, client_id: 42 }).error(2, 12, { mentions: 'client_id' }).verify();
  });

  it('a fire-and-forget malformed request gets no reply and one diagnostic line', async () => {
    await Script.initialised()
      .send({ type: 'ka_register', client_id: '' })
      .send({ type: 'ka_status', msg_id: 3 })
      .reply({ type: 'ka_status_ok', in_reply_to: 3, connections: [] })
      .verify([], 1);
  });
});

describe('error 20: heartbeat for an unknown or expired client', () => {
  it('answers 20 for an unknown client and registers nothing', async () => {
    await Script.initialised()
      .send({ type: 'ka_heartbeat', msg_id: 2, client_id: 'ghost' })
      .error(2, 20, { mentions: 'ghost' })
      .send({ type: 'ka_heartbeat', msg_id: 3, client_id: 'ghost' })
      .error(3, 20)
      .send({ type: 'ka_status', msg_id: 4 })
      .reply({ type: 'ka_status_ok', in_reply_to: 4, connections: [] })
      .verify();
  });

  it('answers 20 for an expired client, before and after the check that reports it', async () => {
    await Script.initialised()
      .send({ type: 'ka_register', msg_id: 2, client_id: 'c1', timeout_ms: 100 })
      .reply({ type: 'ka_register_ok', in_reply_to: 2 })
      // The clock moves without a reply; c1 is expired at 101 and removed.
      .send({ type: 'ka_check', current_time_ms: 101 })
      .send({ type: 'ka_heartbeat', msg_id: 3, client_id: 'c1' })
      .error(3, 20)
      .send({ type: 'ka_check', msg_id: 4 })
      .reply({ type: 'ka_check_ok', in_reply_to: 4, expired: ['c1'], active: [] })
      .send({ type: 'ka_heartbeat', msg_id: 5, client_id: 'c1' })
      .error(5, 20)
      .verify();
  });

  it('a heartbeat of a client that is past its deadline is 20 even when no check ran since', async () => {
    // Registered at 0 with timeout 10; the clock reaches 11 through a check
    // that another client's registration follows; the deadline is the truth.
    await Script.initialised()
      .send({ type: 'ka_register', msg_id: 2, client_id: 'a', timeout_ms: 10 })
      .reply({ type: 'ka_register_ok', in_reply_to: 2 })
      .send({ type: 'ka_register', msg_id: 3, client_id: 'b', timeout_ms: 1000 })
      .reply({ type: 'ka_register_ok', in_reply_to: 3 })
      .send({ type: 'ka_check', msg_id: 4, current_time_ms: 11 })
      .reply({ type: 'ka_check_ok', in_reply_to: 4, expired: ['a'], active: ['b'] })
      .send({ type: 'ka_heartbeat', msg_id: 5, client_id: 'a' })
      .error(5, 20)
      .verify();
  });
});

describe('a rejected request changes nothing', () => {
  it('a check with an out-of-range time does not move the clock', async () => {
    await Script.initialised()
      .send({ type: 'ka_register', msg_id: 2, client_id: 'c1', timeout_ms: 10 })
      .reply({ type: 'ka_register_ok', in_reply_to: 2 })
      .send({ type: 'ka_check', msg_id: 3, current_time_ms: 2 ** 53 })
      .error(3, 12, { mentions: 'current_time_ms' })
      .send({ type: 'ka_check', msg_id: 4, current_time_ms: 5.5 })
      .error(4, 12)
      .send({ type: 'ka_check', msg_id: 5 })
      .reply({ type: 'ka_check_ok', in_reply_to: 5, expired: [], active: ['c1'] })
      .send({ type: 'ka_status', msg_id: 6 })
      .reply({ type: 'ka_status_ok', in_reply_to: 6, connections: [{ client_id: 'c1', last_seen_ms_ago: 0, status: 'active' }] })
      .verify();
  });

  it('a register with a bad setting registers nothing', async () => {
    await Script.initialised()
      .send({ type: 'ka_register', msg_id: 2, client_id: 'c1', timeout_ms: 0 })
      .error(2, 12)
      .send({ type: 'ka_register', msg_id: 3, client_id: 'c2', ping_interval_ms: null })
      .error(3, 12)
      .send({ type: 'ka_heartbeat', msg_id: 4, client_id: 'c1' })
      .error(4, 20)
      .send({ type: 'ka_status', msg_id: 5 })
      .reply({ type: 'ka_status_ok', in_reply_to: 5, connections: [] })
      .verify();
  });

  it("a bad re-registration keeps the live client's settings and last_seen", async () => {
    await Script.initialised()
      .send({ type: 'ka_register', msg_id: 2, client_id: 'c1', timeout_ms: 100 })
      .reply({ type: 'ka_register_ok', in_reply_to: 2 })
      .send({ type: 'ka_check', msg_id: 3, current_time_ms: 50 })
      .reply({ type: 'ka_check_ok', in_reply_to: 3, expired: [], active: ['c1'] })
      .send({ type: 'ka_register', msg_id: 4, client_id: 'c1', timeout_ms: 1000, ping_interval_ms: -5 })
      .error(4, 12, { mentions: 'ping_interval_ms' })
      .send({ type: 'ka_status', msg_id: 5 })
      .reply({ type: 'ka_status_ok', in_reply_to: 5, connections: [{ client_id: 'c1', last_seen_ms_ago: 50, status: 'active' }] })
      .send({ type: 'ka_check', msg_id: 6, current_time_ms: 101 })
      .reply({ type: 'ka_check_ok', in_reply_to: 6, expired: ['c1'], active: [] })
      .verify();
  });

  it('a repeated init with a bad node_id keeps the old node id', async () => {
    await Script.initialised()
      .send(init(2, { node_id: '' }), 'c0')
      .error(2, 12, { dest: 'c0', mentions: 'node_id' })
      .send({ type: 'ka_status', msg_id: 3 })
      .reply({ type: 'ka_status_ok', in_reply_to: 3, connections: [] })
      .verify();
  });
});
