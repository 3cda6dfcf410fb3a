import { describe, expect, it } from 'vitest';
import { INIT, INIT_OK } from '../helpers/messages.js';
import { runNode } from '../helpers/run-node.js';

/** Registers `id` then asks for status; returns the two reply lines after init_ok. */
async function echoId(id: string, args: string[] = []): Promise<string[]> {
  const run = await runNode(
    [
      INIT,
      JSON.stringify({ src: 'c1', dest: 'n1', body: { type: 'ka_register', msg_id: 2, client_id: id } }),
      JSON.stringify({ src: 'c1', dest: 'n1', body: { type: 'ka_check', msg_id: 3 } }),
      JSON.stringify({ src: 'c1', dest: 'n1', body: { type: 'ka_status', msg_id: 4 } }),
    ],
    { args },
  );
  expect(run.errLines).toEqual([]);
  expect(run.lines[0]).toBe(INIT_OK);
  return run.lines.slice(2);
}

// Expected literals written out by hand, as Python's json.dumps prints them.
const cases: [string, string, string][] = [
  ['Latin-1 letter', 'caf\u00e9', '"caf\\u00e9"'],
  ['BMP CJK', '\u4f60\u597d', '"\\u4f60\\u597d"'],
  ['astral (surrogate pair)', 'g\u{1d11e}', '"g\\ud834\\udd1e"'],
  ['emoji', '\u{1f600}', '"\\ud83d\\ude00"'],
  ['DEL 0x7f', 'a\u007fb', '"a\\u007fb"'],
  ['C1 control 0x80', 'a\u0080', '"a\\u0080"'],
  ['NUL and unit separator', '\u0000\u001f', '"\\u0000\\u001f"'],
  ['short escapes', 'q"b\\n\nr\rt\tb\bf\f', '"q\\"b\\\\n\\nr\\rt\\tb\\bf\\f"'],
  ['vertical tab (no short escape in Python)', 'v\u000b', '"v\\u000b"'],
  ['slash and HTML are not escaped', '</a>&\'', '"</a>&\'"'],
  ['line and paragraph separators', '\u2028\u2029', '"\\u2028\\u2029"'],
  ['BOM character inside an id', '\ufeffx', '"\\ufeffx"'],
  ['U+FFFF', '\uffff', '"\\uffff"'],
];

describe('non-ASCII and special characters in replies (Python json.dumps escaping)', () => {
  for (const [name, id, literal] of cases) {
    it(`${name}: ${literal}`, async () => {
      const [check, status] = await echoId(id);
      expect(check).toBe(`{"src": "n1", "dest": "c1", "body": {"type": "ka_check_ok", "in_reply_to": 3, "expired": [], "active": [${literal}], "msg_id": 2}}`);
      expect(status).toBe(
        `{"src": "n1", "dest": "c1", "body": {"type": "ka_status_ok", "in_reply_to": 4, "connections": [{"client_id": ${literal}, "last_seen_ms_ago": 0, "status": "active"}], "msg_id": 3}}`,
      );
    });
  }

  it('escapes node_id and src in the envelope too', async () => {
    const run = await runNode([
      JSON.stringify({ src: 'cli\u00ebnt\u{1f600}', dest: 'x', body: { type: 'init', msg_id: 1, node_id: 'n\u00e9', node_ids: [] } }),
    ]);
    expect(run.lines).toEqual(['{"src": "n\\u00e9", "dest": "cli\\u00ebnt\\ud83d\\ude00", "body": {"type": "init_ok", "in_reply_to": 1, "msg_id": 0}}']);
  });

  it('reads escaped and raw UTF-8 input alike: \\u00e9 and é are the same id', async () => {
    const run = await runNode([
      INIT,
      '{"src":"c1","dest":"n1","body":{"type":"ka_register","msg_id":2,"client_id":"caf\\u00e9"}}',
      '{"src":"c1","dest":"n1","body":{"type":"ka_heartbeat","msg_id":3,"client_id":"café"}}',
      '{"src":"c1","dest":"n1","body":{"type":"ka_heartbeat","msg_id":4,"client_id":"\\ud834\\udd1e"}}',
    ]);
    expect(run.lines[2]).toBe('{"src": "n1", "dest": "c1", "body": {"type": "ka_heartbeat_ok", "in_reply_to": 3, "last_seen_ms_ago": 0, "msg_id": 2}}');
    expect(run.lines[3]).toContain('"code": 20');
  });

  it('compares ids as exact strings: composed and decomposed é are two clients', async () => {
    const run = await runNode([
      INIT,
      JSON.stringify({ src: 'c1', dest: 'n1', body: { type: 'ka_register', msg_id: 2, client_id: '\u00e9' } }),
      JSON.stringify({ src: 'c1', dest: 'n1', body: { type: 'ka_register', msg_id: 3, client_id: 'e\u0301' } }),
      JSON.stringify({ src: 'c1', dest: 'n1', body: { type: 'ka_register', msg_id: 4, client_id: 'E\u0301' } }),
      JSON.stringify({ src: 'c1', dest: 'n1', body: { type: 'ka_check', msg_id: 5 } }),
    ]);
    expect(run.lines[4]).toBe(
      '{"src": "n1", "dest": "c1", "body": {"type": "ka_check_ok", "in_reply_to": 5, "expired": [], "active": ["\\u00e9", "e\\u0301", "E\\u0301"], "msg_id": 4}}',
    );
  });

  it('the error text of a 20 for a non-ASCII id is escaped', async () => {
    const run = await runNode([
      INIT,
      JSON.stringify({ src: 'c1', dest: 'n1', body: { type: 'ka_heartbeat', msg_id: 2, client_id: '\u00e9\n"' } }),
    ]);
    expect(run.lines[1]).toMatch(/^[\x20-\x7e]+$/);
    const body = (JSON.parse(run.lines[1]) as { body: { code: number; text: string } }).body;
    expect(body.code).toBe(20);
    expect(body.text).toContain('\u00e9\n"');
  });

  it('every reply line is printable ASCII, for any shard count', async () => {
    for (const shards of ['1', '5']) {
      const lines = await echoId('\u{1f600}\u00e9\u0001\u007f', ['--shards', shards]);
      for (const line of lines) expect(line).toMatch(/^[\x20-\x7e]+$/);
    }
  });
});
