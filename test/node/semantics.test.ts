import { describe, expect, it } from 'vitest';
import { INIT, INIT_OK, reply } from '../helpers/messages.js';
import { runNode } from '../helpers/run-node.js';
import { Script } from '../helpers/script.js';

const SHARDS = [[], ['--shards', '3'], ['--shards', '8']];
const reg = (msg_id: number | undefined, client_id: string, timeout_ms?: number, ping_interval_ms?: number) => ({
  type: 'ka_register',
  ...(msg_id === undefined ? {} : { msg_id }),
  client_id,
  ...(timeout_ms === undefined ? {} : { timeout_ms }),
  ...(ping_interval_ms === undefined ? {} : { ping_interval_ms }),
});
const check = (msg_id: number | undefined, current_time_ms?: number) => ({
  type: 'ka_check',
  ...(msg_id === undefined ? {} : { msg_id }),
  ...(current_time_ms === undefined ? {} : { current_time_ms }),
});
const conn = (client_id: string, last_seen_ms_ago: number) => ({ client_id, last_seen_ms_ago, status: 'active' });

describe('expiry: strictly greater than the timeout', () => {
  for (const args of SHARDS) {
    it(`is active at exactly last_seen + timeout and expired 1 ms later, reported once (${args.join(' ') || '1 shard'})`, async () => {
      await Script.initialised()
        .send(reg(2, 'c1', 100))
        .reply({ type: 'ka_register_ok', in_reply_to: 2 })
        .send(check(3, 100))
        .reply({ type: 'ka_check_ok', in_reply_to: 3, expired: [], active: ['c1'] })
        .send(check(4, 101))
        .reply({ type: 'ka_check_ok', in_reply_to: 4, expired: ['c1'], active: [] })
        .send(check(5, 500))
        .reply({ type: 'ka_check_ok', in_reply_to: 5, expired: [], active: [] })
        .send({ type: 'ka_status', msg_id: 6 })
        .reply({ type: 'ka_status_ok', in_reply_to: 6, connections: [] })
        .verify(args);
    });
  }

  it('timeout_ms 1 and the largest timeout_ms both follow the boundary', async () => {
    const max = 2 ** 31 - 1;
    await Script.initialised()
      .send(reg(2, 'short', 1))
      .reply({ type: 'ka_register_ok', in_reply_to: 2 })
      .send(reg(3, 'long', max, max))
      .reply({ type: 'ka_register_ok', in_reply_to: 3 })
      .send(check(4, 1))
      .reply({ type: 'ka_check_ok', in_reply_to: 4, expired: [], active: ['short', 'long'] })
      .send(check(5, 2))
      .reply({ type: 'ka_check_ok', in_reply_to: 5, expired: ['short'], active: ['long'] })
      .send(check(6, max))
      .reply({ type: 'ka_check_ok', in_reply_to: 6, expired: [], active: ['long'] })
      .send(check(7, max + 1))
      .reply({ type: 'ka_check_ok', in_reply_to: 7, expired: ['long'], active: [] })
      .verify();
  });

  it('a heartbeat resets the deadline and answers last_seen_ms_ago 0', async () => {
    await Script.initialised()
      .send(reg(2, 'c1', 10))
      .reply({ type: 'ka_register_ok', in_reply_to: 2 })
      .send(check(3, 8))
      .reply({ type: 'ka_check_ok', in_reply_to: 3, expired: [], active: ['c1'] })
      .send({ type: 'ka_heartbeat', msg_id: 4, client_id: 'c1' })
      .reply({ type: 'ka_heartbeat_ok', in_reply_to: 4, last_seen_ms_ago: 0 })
      .send(check(5, 18))
      .reply({ type: 'ka_check_ok', in_reply_to: 5, expired: [], active: ['c1'] })
      .send({ type: 'ka_status', msg_id: 6 })
      .reply({ type: 'ka_status_ok', in_reply_to: 6, connections: [conn('c1', 10)] })
      .send(check(7, 19))
      .reply({ type: 'ka_check_ok', in_reply_to: 7, expired: ['c1'], active: [] })
      .verify();
  });

  it('defaults are 30000 ms timeout when omitted', async () => {
    await Script.initialised()
      .send(reg(2, 'c1'))
      .reply({ type: 'ka_register_ok', in_reply_to: 2 })
      .send(check(3, 30000))
      .reply({ type: 'ka_check_ok', in_reply_to: 3, expired: [], active: ['c1'] })
      .send(check(4, 30001))
      .reply({ type: 'ka_check_ok', in_reply_to: 4, expired: ['c1'], active: [] })
      .verify();
  });

  it('ping_interval_ms may exceed timeout_ms; the node sends nothing unsolicited', async () => {
    await Script.initialised()
      .send(reg(2, 'c1', 50, 10_000))
      .reply({ type: 'ka_register_ok', in_reply_to: 2 })
      .send(check(3, 50))
      .reply({ type: 'ka_check_ok', in_reply_to: 3, expired: [], active: ['c1'] })
      .send(check(4, 20_000))
      .reply({ type: 'ka_check_ok', in_reply_to: 4, expired: ['c1'], active: [] })
      .verify();
  });
});

describe('whole numbers written as floats', () => {
  it('accepts 30000.0, 3e4, 1E3 and 7.0 as integers and echoes msg_id as an integer', async () => {
    const s = Script.initialised();
    s.raw('{"src":"c1","dest":"n1","body":{"type":"ka_register","msg_id":2.0,"client_id":"a","timeout_ms":30000.0,"ping_interval_ms":1e4}}');
    s.reply({ type: 'ka_register_ok', in_reply_to: 2 });
    s.raw('{"src":"c1","dest":"n1","body":{"type":"ka_register","msg_id":3e0,"client_id":"b","timeout_ms":3e4}}');
    s.reply({ type: 'ka_register_ok', in_reply_to: 3 });
    s.raw('{"src":"c1","dest":"n1","body":{"type":"ka_check","msg_id":4E1,"current_time_ms":3.0E4}}');
    s.reply({ type: 'ka_check_ok', in_reply_to: 40, expired: [], active: ['a', 'b'] });
    s.raw('{"src":"c1","dest":"n1","body":{"type":"ka_status","msg_id":1e1}}');
    s.reply({ type: 'ka_status_ok', in_reply_to: 10, connections: [conn('a', 30000), conn('b', 30000)] });
    s.raw('{"src":"c1","dest":"n1","body":{"type":"ka_check","msg_id":-0,"current_time_ms":30001.0}}');
    s.reply({ type: 'ka_check_ok', in_reply_to: 0, expired: ['a', 'b'], active: [] });
    await s.verify();
  });

  it('accepts current_time_ms 0 and 2^53-1 and msg_id 0 and 2^53-1', async () => {
    const top = Number.MAX_SAFE_INTEGER;
    await Script.initialised()
      .send(check(0, 0))
      .reply({ type: 'ka_check_ok', in_reply_to: 0, expired: [], active: [] })
      .send(reg(top, 'c1', 2 ** 31 - 1))
      .reply({ type: 'ka_register_ok', in_reply_to: top })
      .send(check(5, top))
      .reply({ type: 'ka_check_ok', in_reply_to: 5, expired: ['c1'], active: [] })
      .send(reg(6, 'c2'))
      .reply({ type: 'ka_register_ok', in_reply_to: 6 })
      .send({ type: 'ka_status', msg_id: 7 })
      .reply({ type: 'ka_status_ok', in_reply_to: 7, connections: [conn('c2', 0)] })
      .verify();
  });
});

describe('msg_id beyond 2^53', () => {
  it('echoes integer literals digit for digit, as Python does; floats as their integer value', async () => {
    const s = Script.initialised();
    const big = ['9007199254740993', '9223372036854775807', '18446744073709551616', '123456789012345678901234567890'];
    big.forEach((digits, i) => {
      s.raw(`{"src":"c1","dest":"n1","body":{"type":"ka_register","client_id":"c${i}","msg_id": ${digits} }}`);
      s.reply({ type: 'ka_register_ok', in_reply_to: BigInt(digits) });
    });
    // An error reply echoes it too.
    s.raw('{"src":"c1","dest":"n1","body":{"msg_id":9007199254740995,"type":"ka_nope"}}').error(9007199254740995n, 10);
    // A float literal is a float in Python too: int(9007199254740993.0) is ...992.
    s.raw('{"src":"c1","dest":"n1","body":{"type":"ka_status","msg_id":9007199254740993.0}}');
    s.reply({ type: 'ka_status_ok', in_reply_to: 9007199254740992, connections: big.map((_, i) => conn(`c${i}`, 0)) });
    await s.verify();
  });
});

describe('client_id length in UTF-8 bytes', () => {
  const accepted: [string, string][] = [
    ['256 ASCII bytes', 'a'.repeat(256)],
    ['128 two-byte characters', 'é'.repeat(128)],
    ['85 three-byte characters and one ASCII', '€'.repeat(85) + 'a'],
    ['64 four-byte characters (128 UTF-16 units)', '😀'.repeat(64)],
    ['one byte', 'x'],
  ];
  const rejected: [string, string][] = [
    ['257 ASCII bytes', 'a'.repeat(257)],
    ['129 two-byte characters (258 bytes, 129 units)', 'é'.repeat(129)],
    ['86 three-byte characters (258 bytes, 86 units)', '€'.repeat(86)],
    ['64 four-byte characters and one ASCII (257 bytes)', '😀'.repeat(64) + 'a'],
    ['255 ASCII and one two-byte character (257 bytes)', 'a'.repeat(255) + 'é'],
  ];
  it('accepts ids of 1 to 256 bytes, at the boundary with multibyte characters', async () => {
    const s = Script.initialised();
    accepted.forEach(([, id], i) => s.send(reg(10 + i, id)).reply({ type: 'ka_register_ok', in_reply_to: 10 + i }));
    accepted.forEach(([, id], i) => s.send({ type: 'ka_heartbeat', msg_id: 20 + i, client_id: id }).reply({ type: 'ka_heartbeat_ok', in_reply_to: 20 + i, last_seen_ms_ago: 0 }));
    s.send(check(30)).reply({ type: 'ka_check_ok', in_reply_to: 30, expired: [], active: accepted.map(([, id]) => id) });
    await s.verify();
  });
  it('rejects ids longer than 256 bytes with 12, also on heartbeat', async () => {
    const s = Script.initialised();
    rejected.forEach(([, id], i) => s.send(reg(10 + i, id)).error(10 + i, 12, { mentions: 'client_id' }));
    rejected.forEach(([, id], i) => s.send({ type: 'ka_heartbeat', msg_id: 20 + i, client_id: id }).error(20 + i, 12, { mentions: 'client_id' }));
    s.send(check(30)).reply({ type: 'ka_check_ok', in_reply_to: 30, expired: [], active: [] });
    await s.verify();
  });
});

describe('re-registration', () => {
  it('of a live client keeps its place, resets last_seen and replaces its settings', async () => {
    await Script.initialised()
      .send(reg(2, 'a', 100))
      .reply({ type: 'ka_register_ok', in_reply_to: 2 })
      .send(reg(3, 'b', 100))
      .reply({ type: 'ka_register_ok', in_reply_to: 3 })
      .send(reg(4, 'c', 100))
      .reply({ type: 'ka_register_ok', in_reply_to: 4 })
      .send(check(5, 60))
      .reply({ type: 'ka_check_ok', in_reply_to: 5, expired: [], active: ['a', 'b', 'c'] })
      .send(reg(6, 'a', 10))
      .reply({ type: 'ka_register_ok', in_reply_to: 6 })
      .send({ type: 'ka_status', msg_id: 7 })
      .reply({ type: 'ka_status_ok', in_reply_to: 7, connections: [conn('a', 0), conn('b', 60), conn('c', 60)] })
      // The new timeout (10) applies: expired at 71, before b and c (101).
      .send(check(8, 71))
      .reply({ type: 'ka_check_ok', in_reply_to: 8, expired: ['a'], active: ['b', 'c'] })
      .verify();
  });

  it('that omits the settings gets the defaults again, not the previous values', async () => {
    await Script.initialised()
      .send(reg(2, 'a', 10))
      .reply({ type: 'ka_register_ok', in_reply_to: 2 })
      .send(reg(3, 'a'))
      .reply({ type: 'ka_register_ok', in_reply_to: 3 })
      .send(check(4, 11))
      .reply({ type: 'ka_check_ok', in_reply_to: 4, expired: [], active: ['a'] })
      .send(check(5, 30000))
      .reply({ type: 'ka_check_ok', in_reply_to: 5, expired: [], active: ['a'] })
      .send(check(6, 30001))
      .reply({ type: 'ka_check_ok', in_reply_to: 6, expired: ['a'], active: [] })
      .verify();
  });

  for (const args of SHARDS) {
    it(`of an expired client starts a new life at the end of the order (${args.join(' ') || '1 shard'})`, async () => {
      await Script.initialised()
        .send(reg(2, 'a', 10))
        .reply({ type: 'ka_register_ok', in_reply_to: 2 })
        .send(reg(3, 'b', 100))
        .reply({ type: 'ka_register_ok', in_reply_to: 3 })
        .send(check(4, 11))
        .reply({ type: 'ka_check_ok', in_reply_to: 4, expired: ['a'], active: ['b'] })
        .send(reg(5, 'a', 10))
        .reply({ type: 'ka_register_ok', in_reply_to: 5 })
        .send(reg(6, 'c', 10))
        .reply({ type: 'ka_register_ok', in_reply_to: 6 })
        .send(check(7))
        .reply({ type: 'ka_check_ok', in_reply_to: 7, expired: [], active: ['b', 'a', 'c'] })
        .send(reg(8, 'b', 100))
        .reply({ type: 'ka_register_ok', in_reply_to: 8 })
        .send({ type: 'ka_status', msg_id: 9 })
        .reply({ type: 'ka_status_ok', in_reply_to: 9, connections: [conn('b', 0), conn('a', 0), conn('c', 0)] })
        .verify(args);
    });
  }
});

describe('the virtual clock', () => {
  it('never moves back: a smaller current_time_ms is evaluated at now', async () => {
    await Script.initialised()
      .send(reg(2, 'a', 50))
      .reply({ type: 'ka_register_ok', in_reply_to: 2 })
      .send(check(3, 40))
      .reply({ type: 'ka_check_ok', in_reply_to: 3, expired: [], active: ['a'] })
      .send(check(4, 10))
      .reply({ type: 'ka_check_ok', in_reply_to: 4, expired: [], active: ['a'] })
      .send({ type: 'ka_status', msg_id: 5 })
      .reply({ type: 'ka_status_ok', in_reply_to: 5, connections: [conn('a', 40)] })
      // Registered at 40 (not 10): expires after 90, not after 60.
      .send(reg(6, 'b', 50))
      .reply({ type: 'ka_register_ok', in_reply_to: 6 })
      .send(check(7, 0))
      .reply({ type: 'ka_check_ok', in_reply_to: 7, expired: [], active: ['a', 'b'] })
      .send(check(8, 51))
      .reply({ type: 'ka_check_ok', in_reply_to: 8, expired: ['a'], active: ['b'] })
      .send(check(9, 90))
      .reply({ type: 'ka_check_ok', in_reply_to: 9, expired: [], active: ['b'] })
      .send(check(10, 91))
      .reply({ type: 'ka_check_ok', in_reply_to: 10, expired: ['b'], active: [] })
      .verify();
  });

  it('starts at 0 and moves only with ka_check: status and heartbeat do not move it', async () => {
    await Script.initialised()
      .send(reg(2, 'a', 5))
      .reply({ type: 'ka_register_ok', in_reply_to: 2 })
      .send({ type: 'ka_status', msg_id: 3, current_time_ms: 1000 })
      .reply({ type: 'ka_status_ok', in_reply_to: 3, connections: [conn('a', 0)] })
      .send({ type: 'ka_heartbeat', msg_id: 4, client_id: 'a', current_time_ms: 1000 })
      .reply({ type: 'ka_heartbeat_ok', in_reply_to: 4, last_seen_ms_ago: 0 })
      .send(check(5))
      .reply({ type: 'ka_check_ok', in_reply_to: 5, expired: [], active: ['a'] })
      .verify();
  });
});

describe('registration order', () => {
  for (const args of SHARDS) {
    it(`lists c10, c2, c1, c100 in the order they registered, not sorted (${args.join(' ') || '1 shard'})`, async () => {
      const ids = ['c10', 'c2', 'c1', 'c100', 'c', 'b', 'a'];
      const s = Script.initialised();
      ids.forEach((id, i) => s.send(reg(10 + i, id, 100 + (i % 3))).reply({ type: 'ka_register_ok', in_reply_to: 10 + i }));
      s.send(check(20)).reply({ type: 'ka_check_ok', in_reply_to: 20, expired: [], active: ids });
      s.send({ type: 'ka_status', msg_id: 21 }).reply({ type: 'ka_status_ok', in_reply_to: 21, connections: ids.map((id) => conn(id, 0)) });
      // All expire in the same check: expired lists them in registration order
      // even though their deadlines (100, 101, 102) interleave differently.
      s.send(check(22, 1000)).reply({ type: 'ka_check_ok', in_reply_to: 22, expired: ids, active: [] });
      await s.verify(args);
    });
  }
});

describe('fire and forget (no msg_id)', () => {
  it('processes requests without a reply: a heartbeat without msg_id still counts', async () => {
    await Script.initialised()
      .send(reg(undefined, 'a', 10))
      .send(check(undefined, 8))
      .send({ type: 'ka_heartbeat', client_id: 'a' })
      .send(check(2, 18))
      .reply({ type: 'ka_check_ok', in_reply_to: 2, expired: [], active: ['a'] })
      .send({ type: 'ka_status' })
      .send(check(3, 19))
      .reply({ type: 'ka_check_ok', in_reply_to: 3, expired: ['a'], active: [] })
      .verify();
  });

  it('a heartbeat without msg_id for an unknown client gets no reply, one diagnostic, and registers nothing', async () => {
    await Script.initialised()
      .send({ type: 'ka_heartbeat', client_id: 'ghost' })
      .send(check(2))
      .reply({ type: 'ka_check_ok', in_reply_to: 2, expired: [], active: [] })
      .verify([], 1);
  });

  for (const args of SHARDS) {
    it(`reports expiries of unanswered checks first, check by check, each in registration order (${args.join(' ') || '1 shard'})`, async () => {
      await Script.initialised()
        .send(reg(undefined, 'p', 50))
        .send(reg(undefined, 'x', 5))
        .send(reg(undefined, 'y', 3))
        .send(reg(undefined, 'q', 10))
        .send(reg(undefined, 'z', 1000))
        // at 6: x and y (registration order x, y; deadline order y, x)
        .send(check(undefined, 6))
        // new lives for y (timeout 4) and x (timeout 1000), at the end
        .send(reg(undefined, 'y', 4))
        .send(reg(undefined, 'x', 1000))
        // at 11: q (registered 4th) and y's new life (registered 6th)
        .send(check(undefined, 11))
        .send({ type: 'ka_status', msg_id: 2 })
        .reply({ type: 'ka_status_ok', in_reply_to: 2, connections: [conn('p', 11), conn('z', 11), conn('x', 5)] })
        // at 51: p expires in this check itself, listed after the queued ones
        .send(check(3, 51))
        .reply({ type: 'ka_check_ok', in_reply_to: 3, expired: ['x', 'y', 'q', 'y', 'p'], active: ['z', 'x'] })
        .send(check(4, 52))
        .reply({ type: 'ka_check_ok', in_reply_to: 4, expired: [], active: ['z', 'x'] })
        .verify(args);
    });
  }

  it('a client that re-registers before the report is listed in expired (old life) and active (new one)', async () => {
    await Script.initialised()
      .send(reg(2, 'a', 5))
      .reply({ type: 'ka_register_ok', in_reply_to: 2 })
      .send(check(undefined, 6))
      .send(reg(3, 'a', 5))
      .reply({ type: 'ka_register_ok', in_reply_to: 3 })
      .send(check(4))
      .reply({ type: 'ka_check_ok', in_reply_to: 4, expired: ['a'], active: ['a'] })
      .verify();
  });

  it('queued expiries survive a repeated init and are reported once', async () => {
    await Script.initialised()
      .send(reg(2, 'a', 5))
      .reply({ type: 'ka_register_ok', in_reply_to: 2 })
      .send(reg(3, 'b', 500))
      .reply({ type: 'ka_register_ok', in_reply_to: 3 })
      .send(check(undefined, 6))
      .send({ type: 'init', msg_id: 4, node_id: 'n2', node_ids: ['n2'] }, 'c9')
      .initialisedAs('n2')
      .reply({ type: 'init_ok', in_reply_to: 4 }, 'c9')
      .send(check(5))
      .reply({ type: 'ka_check_ok', in_reply_to: 5, expired: ['a'], active: ['b'] })
      .send({ type: 'ka_status', msg_id: 6 })
      .reply({ type: 'ka_status_ok', in_reply_to: 6, connections: [conn('b', 6)] })
      .send(check(7))
      .reply({ type: 'ka_check_ok', in_reply_to: 7, expired: [], active: ['b'] })
      .verify();
  });
});

describe('msg_id counter and replies', () => {
  it("counts every reply from 0, echoes the request's msg_id and replies to its src", async () => {
    const run = await runNode([
      INIT,
      JSON.stringify({ src: 'alice', dest: 'n1', body: { type: 'ka_register', msg_id: 77, client_id: 'k' } }),
      JSON.stringify({ src: 'bob', dest: 'elsewhere', body: { type: 'ka_heartbeat', msg_id: 77, client_id: 'k' } }),
      JSON.stringify({ src: 'carol', dest: 'n1', body: { type: 'ka_heartbeat', msg_id: 3, client_id: 'nobody' } }),
      JSON.stringify({ src: 'dave', body: { type: 'ka_status', msg_id: 4 } }),
    ]);
    expect(run.lines.slice(0, 3)).toEqual([
      INIT_OK,
      reply({ type: 'ka_register_ok', in_reply_to: 77, msg_id: 1 }, 'alice'),
      reply({ type: 'ka_heartbeat_ok', in_reply_to: 77, last_seen_ms_ago: 0, msg_id: 2 }, 'bob'),
    ]);
    expect(run.lines[3]).toMatch(/^\{"src": "n1", "dest": "carol", "body": \{"type": "error", "in_reply_to": 3, "code": 20, "text": ".*", "msg_id": 3\}\}$/);
    expect(run.lines[4]).toBe(reply({ type: 'ka_status_ok', in_reply_to: 4, connections: [conn('k', 0)], msg_id: 4 }, 'dave'));
    expect(run.lines.length).toBe(5);
  });

  it('a repeated init keeps clients, the clock and the counter, and takes the new node id', async () => {
    await Script.initialised()
      .send(reg(2, 'a', 100))
      .reply({ type: 'ka_register_ok', in_reply_to: 2 })
      .send(check(3, 40))
      .reply({ type: 'ka_check_ok', in_reply_to: 3, expired: [], active: ['a'] })
      .send({ type: 'init', msg_id: 4, node_id: 'n2', node_ids: ['n1', 'n2'] }, 'c0')
      .initialisedAs('n2')
      .reply({ type: 'init_ok', in_reply_to: 4 }, 'c0')
      .send({ type: 'ka_status', msg_id: 5 })
      .reply({ type: 'ka_status_ok', in_reply_to: 5, connections: [conn('a', 40)] })
      .send(check(6, 101))
      .reply({ type: 'ka_check_ok', in_reply_to: 6, expired: ['a'], active: [] })
      .verify();
  });

  it('an init without msg_id initialises silently', async () => {
    await new Script()
      .send({ type: 'init', node_id: 'n5', node_ids: [] }, 'c0')
      .initialisedAs('n5')
      .send({ type: 'ka_status', msg_id: 1 })
      .reply({ type: 'ka_status_ok', in_reply_to: 1, connections: [] })
      .verify();
  });
});
