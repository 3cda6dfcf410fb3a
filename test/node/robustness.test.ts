import { describe, expect, it } from 'vitest';
import { INIT, INIT_OK, reply, req } from '../helpers/messages.js';
import { runNode } from '../helpers/run-node.js';
import { mulberry32 } from '../helpers/prng.js';

const MiB = 1024 * 1024;

/** A ka_status line (fire and forget unless msgId) padded to exactly `bytes` UTF-8 bytes with `pad`. */
function paddedLine(bytes: number, msgId?: number, pad = 'x'): Buffer {
  const head = `{"src":"c1","dest":"n1","body":{"type":"ka_status",${msgId === undefined ? '' : `"msg_id":${msgId},`}"pad":"`;
  const tail = '"}}';
  const room = bytes - Buffer.byteLength(head + tail);
  const unit = Buffer.byteLength(pad);
  const text = head + pad.repeat(Math.floor(room / unit)) + 'x'.repeat(room % unit) + tail;
  const buf = Buffer.from(text);
  expect(buf.length).toBe(bytes);
  return buf;
}

/** Lines that get no reply, exactly one stderr line each, and change nothing. */
function garbageLines(): Buffer[] {
  const text = [
    '',
    ' ',
    '\r',
    'hello',
    'NaN',
    'Infinity',
    '-Infinity',
    'null',
    'true',
    '42',
    '"a string"',
    '[]',
    '[{"src":"c1","dest":"n1","body":{"type":"ka_status","msg_id":1}}]',
    INIT.slice(0, 30),
    INIT.slice(0, -1),
    INIT + '}',
    INIT + ' x',
    '{"src":"c1","dest":"n1","body":{"type":"ka_check","msg_id":NaN}}',
    '{"src":"c1","dest":"n1","body":{"type":"ka_check","msg_id":5,"current_time_ms":Infinity}}',
    '{"src":"c1","dest":"n1","body":{"type":"ka_check","msg_id":5,"current_time_ms":-Infinity}}',
    "{'src':'c1','dest':'n1','body':{'type':'ka_status','msg_id':5}}",
    '{"src":"c1","dest":"n1","body":{"type":"ka_status","msg_id":5,}}',
    '{"src":"c1","dest":"n1"}',
    '{"src":"c1","dest":"n1","body":null}',
    '{"src":"c1","dest":"n1","body":[]}',
    '{"src":"c1","dest":"n1","body":"ka_status"}',
    '{"src":"c1","dest":"n1","body":5}',
    '{"dest":"n1","body":{"type":"ka_status","msg_id":5}}',
    '{"src":5,"dest":"n1","body":{"type":"ka_status","msg_id":5}}',
    '{"src":null,"dest":"n1","body":{"type":"ka_status","msg_id":5}}',
    '{"src":["c1"],"dest":"n1","body":{"type":"ka_status","msg_id":5}}',
    '{"src":"c1","dest":"n1","body":{"type":"ka_status","msg_id":-1}}',
    '{"src":"c1","dest":"n1","body":{"type":"ka_status","msg_id":1.5}}',
    '{"src":"c1","dest":"n1","body":{"type":"ka_status","msg_id":"5"}}',
    '{"src":"c1","dest":"n1","body":{"type":"ka_status","msg_id":null}}',
    '{"src":"c1","dest":"n1","body":{"type":"ka_status","msg_id":true}}',
    '{"src":"c1","dest":"n1","body":{"type":"ka_status","msg_id":[5]}}',
    '{"src":"c1","dest":"n1","body":{"type":"ka_status","msg_id":{}}}',
    '{"src":"c1","dest":"n1","body":{"type":"ka_status","msg_id":1e400}}',
    '{"src":"c1","dest":"n1","body":{"type":"ka_status","msg_id":-0.5}}',
    '{"src":"c1","dest":"n1","body":{"type":"ka_register","msg_id":5,"client_id":"c1"',
    '{"src":"c1","dest":"n1","body":{"type":"ka_register","client_id":"a\tb"}}',
    '{"src":"c1","dest":"n1","body":{"type":"ka_check","current_time_ms":99999999}}\r{"x":1}',
    '[' .repeat(100_000) + ']'.repeat(100_000),
    '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000),
    // Well-formed envelopes whose requests are rejected, fire and forget:
    // no reply (no msg_id), one diagnostic, nothing changes.
    req({ type: 'ka_register', client_id: 'g1', timeout_ms: '100' }),
    req({ type: 'ka_register', client_id: 'g2', timeout_ms: null }),
    req({ type: 'ka_register', client_id: 5 }),
    req({ type: 'ka_register', client_id: 'x'.repeat(257) }),
    req({ type: 'ka_heartbeat', client_id: 'never-registered' }),
    req({ type: 'ka_heartbeat', client_id: ['c1'] }),
    req({ type: 'ka_check', current_time_ms: 1e300 }),
    req({ type: 'ka_check', current_time_ms: -5 }),
    req({ type: 'ka_check', current_time_ms: '1000000' }),
    req({ type: 'ka_nonsense' }),
    req({ type: 42 }),
    req({ type: 'init', node_id: '', node_ids: [] }),
    req({ type: 'init', node_id: 'evil', node_ids: 'n1' }),
  ].map((s) => Buffer.from(s));
  const bytes = [
    [0xff],
    [0xfe, 0xff],
    [0xc0, 0x80],
    [0xed, 0xa0, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0x80, 0x7b, 0x7d],
    [0x7b, 0x22, 0x73, 0x72, 0x63, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d],
    [0xe2, 0x82],
    [0x00, 0x7b, 0x00, 0x7d],
  ].map((b) => Buffer.from(b));
  // A valid request made invalid UTF-8 by one byte inside a string.
  const valid = Buffer.from(req({ type: 'ka_register', msg_id: 99, client_id: 'ok?' }));
  valid[valid.indexOf('?')] = 0xff;
  const huge = [
    Buffer.concat([paddedLine(MiB + 1, 7)]),
    paddedLine(MiB + 1, 7, '\u00e9'),
    Buffer.concat([paddedLine(3 * MiB, 7).subarray(0, 3 * MiB - 1), Buffer.from([0xff])]),
    Buffer.concat([paddedLine(MiB + 1, 7), Buffer.from('\r')]),
  ];
  const randomish: Buffer[] = [];
  const rnd = mulberry32(7);
  for (let i = 0; i < 40; i++) {
    const b = Buffer.alloc(1 + Math.floor(rnd() * 200));
    for (let j = 0; j < b.length; j++) {
      let v = Math.floor(rnd() * 256);
      if (v === 0x0a) v = 0x0b;
      b[j] = v;
    }
    randomish.push(b);
  }
  return [...text, ...bytes, valid, ...huge, ...randomish];
}

/** Lines processed silently (fire and forget, accepted): no reply, no diagnostic. */
function silentLines(): Buffer[] {
  return [paddedLine(MiB), paddedLine(MiB, undefined, '\u00e9'), Buffer.concat([paddedLine(MiB), Buffer.from('\r')])];
}

/** A valid session with expiries, re-registrations, status and errors. */
function validSession(): string[] {
  const lines = [INIT];
  let msg = 2;
  for (let i = 0; i < 40; i++) lines.push(req({ type: 'ka_register', msg_id: msg++, client_id: `c${i}`, timeout_ms: 10 + (i % 7) * 10 }));
  for (let t = 5; t <= 100; t += 5) {
    for (let i = t % 4; i < 40; i += 5) lines.push(req({ type: 'ka_heartbeat', msg_id: msg++, client_id: `c${i}` }));
    lines.push(req({ type: 'ka_check', msg_id: t % 15 === 0 ? undefined : msg++, current_time_ms: t }));
    if (t % 20 === 0) lines.push(req({ type: 'ka_status', msg_id: msg++ }));
    if (t % 25 === 0) lines.push(req({ type: 'ka_register', msg_id: msg++, client_id: `c${t % 40}`, timeout_ms: 30 }));
  }
  lines.push(req({ type: 'ka_check', msg_id: msg++ }));
  return lines;
}

function interleave(valid: string[], extra: Buffer[], seed: number): Buffer {
  const rnd = mulberry32(seed);
  const slots: Buffer[][] = valid.map(() => []);
  // Never before the first line: a leading BOM would only count there.
  for (const e of extra) slots[Math.floor(rnd() * valid.length)].push(e);
  const parts: Buffer[] = [];
  valid.forEach((line, i) => {
    parts.push(Buffer.from(line + (i % 3 === 0 ? '\r\n' : '\n')));
    for (const e of slots[i]) parts.push(e, Buffer.from('\n'));
  });
  return Buffer.concat(parts);
}

describe('garbage lines change nothing and never crash the node', () => {
  const valid = validSession();
  const variants: [string[], number[]][] = [
    [['--shards', '1'], [1, 2]],
    [['--shards', '4'], [1, 2]],
    [['--shards', '4', '--workers', '2'], [3]],
  ];
  for (const [args, seeds] of variants) {
    for (const seed of seeds) {
      it(`valid replies are byte-identical with garbage interleaved (seed ${seed}, ${args.join(' ')})`, async () => {
        const clean = await runNode(valid, { args });
        expect(clean.code).toBe(0);
        expect(clean.errLines).toEqual([]);
        expect(clean.lines.filter((l) => l.includes('"expired": ["')).length).toBeGreaterThan(3);

        const garbage = garbageLines();
        const input = interleave(valid, [...garbage, ...silentLines()], seed);
        const dirty = await runNode(input, { args });
        expect(dirty.signal).toBe(null);
        expect(dirty.code).toBe(0);
        expect(dirty.stdout.equals(clean.stdout), firstDifference(clean.lines, dirty.lines)).toBe(true);
        expect(dirty.errLines.length).toBe(garbage.length);
      });
    }
  }

  it('garbage before init leaves the node uninitialised and the msg_id counter at 0', async () => {
    const garbage = garbageLines();
    const input = Buffer.concat([...garbage.flatMap((g) => [g, Buffer.from('\n')]), Buffer.from(INIT + '\n')]);
    const run = await runNode(input);
    expect(run.code).toBe(0);
    expect(run.lines).toEqual([INIT_OK]);
    expect(run.errLines.length).toBe(garbage.length);
  });

  it('a garbage last line without newline still gets its one diagnostic', async () => {
    const run = await runNode(`${INIT}\n{"src":"c1","dest":"n1","body":{"type":"ka_sta`);
    expect(run.lines).toEqual([INIT_OK]);
    expect(run.errLines.length).toBe(1);
    expect(run.code).toBe(0);
  });
});

describe('the 1 MiB line limit', () => {
  it('answers a line of exactly 1,048,576 bytes (ASCII or multibyte, with or without CR, after a BOM)', async () => {
    const input = Buffer.concat([
      Buffer.from('\ufeff'),
      paddedLine(MiB, 1),
      Buffer.from('\r\n'),
      Buffer.from(INIT + '\n'),
      paddedLine(MiB, 2, '\u00e9'),
      Buffer.from('\n'),
      paddedLine(MiB, 3, '\u{1f600}'),
      Buffer.from('\r\n'),
      paddedLine(MiB, 4),
    ]);
    const run = await runNode(input);
    expect(run.errLines).toEqual([]);
    expect(run.lines.length).toBe(5);
    expect(run.lines[0]).toContain('"code": 11');
    expect(run.lines[1]).toBe(INIT_OK.replace('"msg_id": 0', '"msg_id": 1'));
    for (const [i, inReplyTo] of [[2, 2], [3, 3], [4, 4]]) {
      expect(run.lines[i]).toBe(reply({ type: 'ka_status_ok', in_reply_to: inReplyTo, connections: [], msg_id: i }));
    }
  });

  it('drops a line of 1,048,577 bytes (counted in bytes, not characters) with one diagnostic, and continues', async () => {
    const input = Buffer.concat([
      Buffer.from(INIT + '\n'),
      paddedLine(MiB + 1, 2),
      Buffer.from('\n'),
      paddedLine(MiB + 1, 3, '\u00e9'),
      Buffer.from('\r\n'),
      paddedLine(8 * MiB, 4),
      Buffer.from('\n'),
      Buffer.from(req({ type: 'ka_status', msg_id: 5 }) + '\n'),
      paddedLine(MiB + 1, 6),
    ]);
    const run = await runNode(input);
    expect(run.lines).toEqual([INIT_OK, reply({ type: 'ka_status_ok', in_reply_to: 5, connections: [], msg_id: 1 })]);
    expect(run.errLines.length).toBe(4);
    for (const line of run.errLines) expect(line.length).toBeLessThan(1000);
  });
});

function firstDifference(a: string[], b: string[]): string {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `first difference at reply ${i}:\n  clean: ${a[i]}\n  dirty: ${b[i]}`;
  }
  return 'no line differs';
}
