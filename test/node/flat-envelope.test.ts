import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MalformedLine, parseEnvelope, type Envelope } from '../../src/transports/node/envelope.js';
import { parseKeepAliveRequest } from '../../src/protocol/requests.js';
import { FlatLine, flatEnvelope } from '../../src/transports/node/flat-envelope.js';

/** The envelope FlatLine gives a whole line of text, or undefined when it declines it. */
function parseFlatEnvelope(text: string): Envelope | undefined {
  const flat = new FlatLine();
  const bytes = Buffer.from(text, 'utf8');
  return flat.scan(bytes, 0, bytes.length) ? flatEnvelope(flat) : undefined;
}

/** What the JSON.parse path makes of a line: its envelope, or the reason it is dropped. */
function slowPath(line: string): unknown {
  try {
    return parseEnvelope(line);
  } catch (error) {
    if (error instanceof MalformedLine) return `malformed: ${error.message}`;
    throw error;
  }
}

// Fragments chosen to sit on both sides of every rule of the fast path:
// escapes, quotes, control and non-ASCII characters, numbers that are not
// plain whole digits, duplicate and unknown keys, odd whitespace.
const text = fc.oneof(
  fc.constantFrom('c1', 'n1', '', 'a b', 'x"y', 'x\\y', '\\u0041', 'é', '\u2028', '\t', 'ka_heartbeat', 'ka_register', 'ka_status'),
  fc.string({ maxLength: 6 }),
);
const stringValue = text.map((s) => JSON.stringify(s));
const rawString = text.map((s) => `"${s}"`); // possibly invalid JSON on purpose
const numberValue = fc.oneof(
  fc.nat().map(String),
  fc.constantFrom('0', '00', '01', '-0', '-1', '1.0', '1e3', '3E4', '1.5', '9007199254740993', '123456789012345', '1234567890123456', 'null', 'true', 'NaN'),
);
const value = fc.oneof(stringValue, rawString, numberValue);
const space = fc.oneof(
  { arbitrary: fc.constantFrom('', ' '), weight: 20 },
  { arbitrary: fc.constantFrom('  ', '\t', '\n', '\r'), weight: 1 },
);
const bodyKey = fc.constantFrom('type', 'client_id', 'msg_id', 'timeout_ms', 'other', 'client_id', 'msg_id');
const pair = (key: fc.Arbitrary<string>, val: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(space, key, space, space, val, space).map(([a, k, b, c, v, d]) => `${a}"${k}"${b}:${c}${v}${d}`);
const hotBody = fc
  .tuple(
    fc.constantFrom('ka_heartbeat', 'ka_register', 'ka_check', 'init', 'x"'),
    fc.oneof(stringValue, fc.constant('"c7"')),
    numberValue,
    fc.constantFrom('swap', 'plain', 'plain', 'none', 'settings', 'timeout', 'interval'),
    numberValue,
    numberValue,
  )
  .map(([type, id, msgId, layout, timeout, interval]) => {
    if (layout === 'none') return `{"type": "${type}", "client_id": ${id}}`;
    if (layout === 'settings') return `{"type": "${type}", "client_id": ${id}, "timeout_ms": ${timeout}, "ping_interval_ms": ${interval}, "msg_id": ${msgId}}`;
    if (layout === 'timeout') return `{"type":"${type}","client_id":${id},"timeout_ms":${timeout}}`;
    if (layout === 'interval') return `{"type":"${type}","client_id":${id},"ping_interval_ms":${interval},"msg_id":${msgId}}`;
    return layout === 'swap' ? `{"type":"${type}","msg_id":${msgId},"client_id":${id}}` : `{"type": "${type}", "client_id": ${id}, "msg_id": ${msgId}}`;
  });
const anyBody = fc.oneof(
  hotBody,
  fc.array(pair(bodyKey, value), { maxLength: 4 }).map((pairs) => `{${pairs.join(',')}}`),
);
const envelopeKey = fc.constantFrom('src', 'dest', 'id', 'src', 'dest');
const anyLine = fc
  .tuple(fc.array(pair(envelopeKey, value), { maxLength: 3 }), anyBody, fc.nat({ max: 3 }), space)
  .map(([pairs, body, at, lead]) => {
    const all = [...pairs];
    all.splice(Math.min(at, all.length), 0, `"body":${body}`);
    return `${lead}{${all.join(',')}}`;
  });
/** Lines of (nearly) the hot shape: src, dest, body in that order, with varied spacing and values. */
const hotLine = fc
  .tuple(pair(fc.constant('src'), fc.oneof(stringValue, numberValue)), pair(fc.constant('dest'), value), space, hotBody, space)
  .map(([src, dest, a, body, b]) => `{${src},${dest},${a}"body"${a}:${b}${body}${b}}`);
const line = fc
  .tuple(fc.oneof(hotLine, hotLine, anyLine), fc.oneof({ arbitrary: fc.constant(-1), weight: 4 }, { arbitrary: fc.nat({ max: 90 }), weight: 1 }))
  .map(([full, cut]) => (cut < 0 ? full : full.slice(0, cut)));

describe('the stdio fast path (flat envelopes without JSON.parse)', () => {
  it('accepts the hot shapes, compact and Python-style, in both key orders', () => {
    const compact = '{"src":"c1","dest":"n1","body":{"type":"ka_heartbeat","client_id":"a","msg_id":7}}';
    const python = '{"src": "c1", "dest": "n1", "body": {"type": "ka_register", "msg_id": 0, "client_id": "c 9"}}';
    const unanswered = '{"src":"c1","dest":"n1","body":{"type":"ka_heartbeat","client_id":"a"}}';
    const settings = '{"src":"c1","dest":"n1","body":{"type":"ka_register","client_id":"a","timeout_ms":60000,"ping_interval_ms":20000,"msg_id":8}}';
    expect(parseFlatEnvelope(unanswered)?.msgId).toBeUndefined();
    expect(parseFlatEnvelope(settings)?.request).toEqual({ type: 'ka_register', clientId: 'a', timeoutMs: 60000, pingIntervalMs: 20000 });
    for (const l of [compact, python, unanswered, settings]) {
      const fast = parseFlatEnvelope(l);
      expect(fast?.request).toBeDefined();
      expect({ ...fast, request: undefined }).toEqual(slowPath(l));
    }
  });

  it('declines what it cannot read exactly, leaving it to JSON.parse', () => {
    for (const l of [
      '{"src":"c1","dest":"n1","body":{"type":"ka_heartbeat","client_id":"a\\u0062","msg_id":7}}',
      '{"src":"c1","dest":"n1","body":{"type":"ka_heartbeat","client_id":"a","msg_id":7.0}}',
      '{"src":"c1","dest":"n1","body":{"type":"ka_heartbeat","client_id":"a","msg_id":1234567890123456}}',
      '{"src":"c1","dest":"n1","body":{"type":"ka_heartbeat","client_id":"a","client_id":"b","msg_id":7}}',
      '{"src":"c1","dest":"n1","body":{"type":"ka_heartbeat","client_id":"é","msg_id":7}}',
      '{"src":"c1","dest":"n1","body":{"type":"ka_heartbeat","client_id":"a","msg_id":7},"id":3}',
      '{"src":"c1","dest":"n1","body":{"type":"ka_register","client_id":"a","ping_interval_ms":5,"timeout_ms":9}}',
      '{"src":"c1","dest":"n1","body":{"type":"ka_register","client_id":"a","timeout_ms":-5,"msg_id":7}}',
    ]) {
      expect(parseFlatEnvelope(l)).toBeUndefined();
    }
  });

  it('whenever it accepts a line, gives exactly the envelope JSON.parse gives (random lines)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(line, (l) => {
        const fast = parseFlatEnvelope(l);
        if (fast === undefined) return;
        accepted++;
        const { request, ...envelope } = fast;
        expect(envelope).toEqual(slowPath(l));
        // A request built on the way is exactly what the full path builds, and only when it would not fail.
        if (request !== undefined) expect(request).toEqual(parseKeepAliveRequest(String(fast.body.type), fast.body));
      }),
      { numRuns: 20_000, seed: 20261121 },
    );
    // The property is not vacuous: a good share of the generated lines take the fast path.
    expect(accepted).toBeGreaterThan(500);
  });
});

describe('FlatLine: a line read where it lies in a chunk', () => {
  it('gives what the line alone gives, and never reads past its end', () => {
    const lines = [
      '{"src":"c1","dest":"n1","body":{"type":"ka_heartbeat","client_id":"a","msg_id":7}}',
      '{"src": "c2", "dest": "n1", "body": {"type": "ka_register", "msg_id": 0, "client_id": "c 9"}}',
      '{"src":"c3","dest":"n1","body":{"type":"ka_heartbeat","client_id":"b"}}',
    ];
    const chunk = Buffer.from(lines.join('\n') + '\n');
    const flat = new FlatLine();
    let start = 0;
    for (const line of lines) {
      const end = start + Buffer.byteLength(line);
      expect(flat.scan(chunk, start, end)).toBe(true);
      expect(flatEnvelope(flat)).toEqual(parseFlatEnvelope(line));
      // Cut one byte short (the closing brace), the line is no longer of the hot shape.
      expect(flat.scan(chunk, start, end - 1)).toBe(false);
      start = end + 1;
    }
  });
});
