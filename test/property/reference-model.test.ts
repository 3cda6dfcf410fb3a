import { describe, expect, it } from 'vitest';
import { pyDumps, type PyValue } from '../helpers/py-dumps.js';
import { runNode } from '../helpers/run-node.js';
import { mulberry32 } from '../helpers/prng.js';

/**
 * Random sessions through the built binary, compared line by line with a
 * plain reference model of spec section 1 written below (a Map in
 * registration order, a full scan per check), for 1 shard and several.
 * Seeded: a failure names its seed and the first differing line.
 */

// ---------------------------------------------------------------- reference model

const TEXT = '<text>';
interface Client {
  lastSeen: number;
  timeout: number;
}
type Body = Record<string, unknown>;

const isStr = (v: unknown): v is string => typeof v === 'string';
const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const utf8Length = (s: string) => new TextEncoder().encode(s).length;

class Rejected {
  constructor(readonly code: number) {}
}

class ReferenceNode {
  nodeId: string | undefined;
  nextMsgId = 0;
  now = 0;
  /** Map iteration order is insertion order: registration order of the current life. */
  clients = new Map<string, Client>();
  unreported: string[] = [];
  diagnostics = 0;

  handle(src: string, dest: string, body: Body): string | undefined {
    const msgId = body.msg_id as number | undefined;
    let reply: Record<string, PyValue>;
    try {
      reply = this.apply(body, msgId !== undefined);
    } catch (e) {
      if (!(e instanceof Rejected)) throw e;
      if (msgId === undefined) {
        this.diagnostics++;
        return undefined;
      }
      reply = { type: 'error', code: e.code, text: TEXT };
    }
    if (msgId === undefined) return undefined;
    // Key order: type, in_reply_to, the type's own fields, msg_id.
    const { type, ...own } = reply;
    const ordered: Record<string, PyValue> = { type, in_reply_to: msgId, ...own, msg_id: this.nextMsgId++ };
    return pyDumps({ src: this.nodeId ?? dest, dest: src, body: ordered });
  }

  private apply(body: Body, answered: boolean): Record<string, PyValue> {
    const type = body.type;
    if (!isStr(type)) throw new Rejected(12);
    if (type === 'init') {
      if (!isStr(body.node_id) || body.node_id === '') throw new Rejected(12);
      if (!Array.isArray(body.node_ids) || !body.node_ids.every(isStr)) throw new Rejected(12);
      this.nodeId = body.node_id;
      return { type: 'init_ok' };
    }
    if (this.nodeId === undefined) throw new Rejected(11);
    const clientId = () => {
      const id = body.client_id;
      if (!isStr(id) || id === '' || utf8Length(id) > 256) throw new Rejected(12);
      return id;
    };
    const optional = (field: string, min: number, max: number, fallback: number | undefined) => {
      if (!(field in body)) return fallback;
      if (!isInt(body[field], min, max)) throw new Rejected(12);
      return body[field] as number;
    };
    switch (type) {
      case 'ka_register': {
        const id = clientId();
        const timeout = optional('timeout_ms', 1, 2 ** 31 - 1, 30000) as number;
        optional('ping_interval_ms', 1, 2 ** 31 - 1, 10000);
        const live = this.clients.get(id);
        if (live) Object.assign(live, { lastSeen: this.now, timeout });
        else this.clients.set(id, { lastSeen: this.now, timeout });
        return { type: 'ka_register_ok' };
      }
      case 'ka_heartbeat': {
        const client = this.clients.get(clientId());
        if (!client) throw new Rejected(20);
        client.lastSeen = this.now;
        return { type: 'ka_heartbeat_ok', last_seen_ms_ago: 0 };
      }
      case 'ka_check': {
        const t = optional('current_time_ms', 0, Number.MAX_SAFE_INTEGER, undefined);
        if (t !== undefined && t > this.now) this.now = t;
        for (const [id, c] of this.clients) {
          if (this.now - c.lastSeen > c.timeout) {
            this.unreported.push(id);
            this.clients.delete(id);
          }
        }
        if (!answered) return { type: 'ka_check_ok' };
        const expired = this.unreported;
        this.unreported = [];
        return { type: 'ka_check_ok', expired, active: [...this.clients.keys()] };
      }
      case 'ka_status':
        return {
          type: 'ka_status_ok',
          connections: [...this.clients].map(([id, c]) => ({ client_id: id, last_seen_ms_ago: this.now - c.lastSeen, status: 'active' })),
        };
      default:
        throw new Rejected(10);
    }
  }
}

// ---------------------------------------------------------------- generator

const IDS = [
  'c1', 'c10', 'c100', 'c2', 'c20', 'c', 'C1', 'c1 ', 'a', 'ab', 'abc', 'b', 'z',
  '\u00e9', 'e\u0301', '\u{1f600}', 'x y', '"q"', '\\', '\u0000', '\u007f', 'id-\u4f60',
  'x'.repeat(256), '\u00e9'.repeat(128),
];
const TIMEOUTS = [1, 2, 3, 5, 10, 10, 50, 100, 1000, 30000, 2 ** 31 - 1];
const PINGS = [1, 10, 10000, 2 ** 31 - 1];

interface Generated {
  lines: string[];
}

function generate(seed: number, operations: number): Generated {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const chance = (p: number) => rnd() < p;
  // A shadow of the clock and of deadlines, only to aim times at boundaries.
  let now = 0;
  const lastSeen = new Map<string, [number, number]>();
  let msg = 1;
  const lines: string[] = [];
  const push = (body: Body, src = 'c' + Math.floor(rnd() * 3)) => {
    let line = JSON.stringify({ src, dest: 'n1', body });
    // Whole numbers written as floats or exponents are integers too.
    const form = rnd();
    if (form < 0.05) line = line.replace(/("(?:timeout_ms|current_time_ms|msg_id)":)(\d+)(?=[,}])/, '$1$2.0');
    else if (form < 0.08) line = line.replace(/("(?:timeout_ms|msg_id)":)(\d+)(?=[,}])/, '$1$2e0');
    lines.push(line);
  };
  const id = () => (chance(0.03) ? `r${Math.floor(rnd() * 1000)}` : pick(IDS));
  const msgId = (p = 0.85) => (chance(p) ? { msg_id: msg++ } : {});

  // Before init: 11 for anything but a malformed type or init.
  push({ type: pick(['ka_status', 'ka_register', 'ka_unknown']), msg_id: msg++, client_id: 'early' });
  push({ type: 'init', msg_id: msg++, node_id: 'n1', node_ids: ['n1'] });
  for (let i = 0; i < operations; i++) {
    const r = rnd();
    if (r < 0.32) {
      const cid = id();
      const body: Body = { type: 'ka_register', ...msgId(), client_id: cid };
      if (chance(0.8)) body.timeout_ms = pick(TIMEOUTS);
      if (chance(0.5)) body.ping_interval_ms = pick(PINGS);
      lastSeen.set(cid, [now, (body.timeout_ms as number | undefined) ?? 30000]);
      push(body);
    } else if (r < 0.62) {
      const cid = id();
      push({ type: 'ka_heartbeat', ...msgId(), client_id: cid });
      const entry = lastSeen.get(cid);
      if (entry) entry[0] = now;
    } else if (r < 0.82) {
      const body: Body = { type: 'ka_check', ...msgId(0.7) };
      const aim = rnd();
      if (aim < 0.15) {
        // no current_time_ms
      } else if (aim < 0.25) body.current_time_ms = Math.max(0, now - Math.floor(rnd() * 20));
      else if (aim < 0.6 && lastSeen.size > 0) {
        const [seen, timeout] = pick([...lastSeen.values()]);
        body.current_time_ms = Math.max(0, seen + timeout + (chance(0.5) ? 0 : 1));
      } else body.current_time_ms = now + Math.floor(rnd() * 8);
      if (typeof body.current_time_ms === 'number' && body.current_time_ms > now) now = body.current_time_ms;
      push(body);
    } else if (r < 0.88) {
      push({ type: 'ka_status', ...msgId() });
    } else if (r < 0.93) {
      // Any mix of fields, well- or ill-typed: the first failing check answers.
      const body: Body = { ...msgId() };
      const value = (good: unknown) => pick([good, good, null, 5, -1, 1.5, '', 'x', [], {}, true, 2 ** 31, 2 ** 53]);
      if (chance(0.9)) body.type = value(pick(['ka_register', 'ka_heartbeat', 'ka_check', 'ka_status', 'init', 'ka_x']));
      if (chance(0.6)) body.client_id = value(id());
      if (chance(0.4)) body.timeout_ms = value(pick(TIMEOUTS));
      if (chance(0.4)) body.ping_interval_ms = value(pick(PINGS));
      if (chance(0.4)) body.current_time_ms = value(now + 1);
      if (chance(0.3)) body.node_id = value('n3');
      if (chance(0.3)) body.node_ids = value(['n3']);
      const timeout = body.timeout_ms;
      if (body.type === 'ka_register' && typeof body.client_id === 'string' && typeof timeout === 'number') {
        lastSeen.set(body.client_id, [now, timeout]);
      }
      if (body.type === 'ka_check' && typeof body.current_time_ms === 'number' && Number.isInteger(body.current_time_ms)) {
        now = Math.max(now, Math.min(body.current_time_ms, Number.MAX_SAFE_INTEGER));
      }
      push(body);
    } else if (r < 0.985) {
      // Rejected requests: they must change nothing.
      const bad: Body[] = [
        { type: 'ka_register', client_id: id(), timeout_ms: pick([0, -1, 2 ** 31, 1.5, null, '10']) },
        { type: 'ka_register', client_id: id(), ping_interval_ms: pick([0, 2 ** 31, null]) },
        { type: 'ka_register', client_id: pick(['', 'x'.repeat(257), 7, null]) },
        { type: 'ka_heartbeat', client_id: pick(['', 5, null]) },
        { type: 'ka_check', current_time_ms: pick([-1, 2 ** 53, 0.5, null, 'soon']) },
        { type: pick(['ka_unknown', 'init_ok', '__proto__']) },
        { type: pick([5, null]) },
        { client_id: 'c1' },
      ];
      push({ ...pick(bad), ...msgId() });
    } else {
      push({ type: 'init', ...msgId(), node_id: pick(['n1', 'n2', '\u00f1']), node_ids: [] });
    }
  }
  push({ type: 'ka_check', msg_id: msg++, current_time_ms: now + 2 ** 31 });
  return { lines };
}

function expectedReplies(lines: string[]): { replies: string[]; diagnostics: number } {
  const node = new ReferenceNode();
  const replies: string[] = [];
  for (const line of lines) {
    const { src, dest, body } = JSON.parse(line) as { src: string; dest: string; body: Body };
    const out = node.handle(src, dest, body);
    if (out !== undefined) replies.push(out);
  }
  return { replies, diagnostics: node.diagnostics };
}

/** Error texts are prose: compared as a placeholder. */
const maskText = (line: string) => line.replace(/"text": "(?:[^"\\]|\\.)*"/, `"text": "${TEXT}"`);

// ---------------------------------------------------------------- the property

const SEEDS = [1, 2, 3, 20261121];
const OPERATIONS = 4000;

describe('random sessions: the node equals the reference model', () => {
  it('the generator covers what it should (expiries, fire-and-forget, errors, both lives)', () => {
    const replies = SEEDS.flatMap((seed) => expectedReplies(generate(seed, OPERATIONS).lines).replies);
    const all = replies.join('\n');
    for (const code of [10, 11, 12, 20]) expect(all).toContain(`"code": ${code}`);
    expect(all).toContain('"src": "n2"');
    const checks = replies.map((l) => JSON.parse(l) as { body: { expired?: string[]; active?: string[] } }).map((r) => r.body);
    const expiredCount = checks.reduce((n, b) => n + (b.expired?.length ?? 0), 0);
    expect(expiredCount).toBeGreaterThan(200);
    // A client in both lists (an old life reported, a new one live), and one listed twice.
    expect(checks.some((b) => b.expired?.some((id) => b.active?.includes(id)))).toBe(true);
    expect(checks.some((b) => b.expired !== undefined && new Set(b.expired).size < b.expired.length)).toBe(true);
  });

  for (const seed of SEEDS) {
    const variants = [['--shards', '1'], ['--shards', '3'], ['--shards', '16']];
    // Worker shards promise the same replies byte for byte.
    if (seed <= 2) variants.push(['--shards', '4', '--workers', '2']);
    for (const args of variants) {
      const shards = args.join(' ');
      it(`seed ${seed}, ${OPERATIONS} operations, ${shards}`, async () => {
        const { lines } = generate(seed, OPERATIONS);
        const want = expectedReplies(lines);
        const run = await runNode(lines, { args });
        expect(run.code).toBe(0);
        const got = run.lines.map(maskText);
        const n = Math.max(got.length, want.replies.length);
        for (let i = 0; i < n; i++) {
          if (got[i] !== want.replies[i]) {
            expect.fail(
              `seed ${seed}, shards ${shards}: reply ${i} differs\n  got:  ${got[i]}\n  want: ${want.replies[i]}\n` +
                `  previous: ${got[i - 1]}`,
            );
          }
        }
        expect(run.errLines.length).toBe(want.diagnostics);
      });
    }
  }
});
