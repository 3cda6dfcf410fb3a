import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INIT, req } from '../helpers/messages.js';
import { runCli, runNode } from '../helpers/run-node.js';

/**
 * `keepwatch node --workers 2` against `keepwatch node` (in process), through
 * the built binary, on the same seeded random sessions: stdout and stderr
 * byte for byte identical. Time moves with ka_check, answered or not.
 */

const IDS = ['c1', 'c2', 'c3', 'c10', 'c20', 'a', 'b', 'z', '\u00e9', 'x y', '"q"', 'id-\u4f60', '\u{1f600}'];
const body = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        type: fc.constant('ka_register'),
        client_id: fc.constantFrom(...IDS),
        timeout_ms: fc.constantFrom(1, 2, 5, 10, 30, 100, 30000),
        ping_interval_ms: fc.constantFrom(1, 10, 10000),
      },
      { requiredKeys: ['type', 'client_id'] },
    ),
  },
  { weight: 4, arbitrary: fc.record({ type: fc.constant('ka_heartbeat'), client_id: fc.constantFrom(...IDS) }) },
  {
    weight: 3,
    arbitrary: fc.record({ type: fc.constant('ka_check'), current_time_ms: fc.nat({ max: 40 }) }, { requiredKeys: ['type'] }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('ka_status') }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Record<string, unknown>>(
      { type: 'ka_register', client_id: '' },
      { type: 'ka_register', client_id: 'c1', timeout_ms: 0 },
      { type: 'ka_heartbeat' },
      { type: 'ka_check', current_time_ms: -1 },
      { type: 'ka_nope' },
    ),
  },
);
/** A request, answered or fire-and-forget; check times are offsets, made absolute below. */
const request = fc.record({ body, answered: fc.boolean() });

function session(seed: number, length: number): string[] {
  const [requests] = fc.sample(fc.array(request, { minLength: length, maxLength: length }), { seed, numRuns: 1 });
  let now = 0;
  let msgId = 2;
  const lines = [INIT];
  for (const { body: b, answered } of requests) {
    const copy: Record<string, unknown> = { ...b };
    if (copy.type === 'ka_check' && typeof copy.current_time_ms === 'number' && copy.current_time_ms >= 0) {
      now += copy.current_time_ms;
      copy.current_time_ms = now;
    }
    if (answered || copy.type === 'ka_status') copy.msg_id = msgId++;
    lines.push(req(copy));
  }
  lines.push(req({ type: 'ka_check', msg_id: msgId, current_time_ms: now + 1_000_000 }));
  return lines;
}

async function expectSameOutput(lines: readonly string[], shards: number, workers: number): Promise<string[]> {
  const [inProcess, onWorkers] = await Promise.all([
    runNode(lines, { args: ['--shards', String(shards)] }),
    runNode(lines, { args: ['--shards', String(shards), '--workers', String(workers)] }),
  ]);
  expect(onWorkers.code).toBe(0);
  expect(inProcess.code).toBe(0);
  expect(onWorkers.lines.length).toBe(inProcess.lines.length);
  for (let i = 0; i < inProcess.lines.length; i++) {
    if (onWorkers.lines[i] !== inProcess.lines[i]) {
      expect.fail(`reply ${i} differs\n  workers:    ${onWorkers.lines[i]}\n  in process: ${inProcess.lines[i]}`);
    }
  }
  expect(onWorkers.stdout.equals(inProcess.stdout)).toBe(true);
  expect(onWorkers.errLines).toEqual(inProcess.errLines);
  return inProcess.lines;
}

describe('keepwatch node --workers: the same bytes as in process', () => {
  for (const seed of [1, 2, 3]) {
    for (const shards of [1, 4]) {
      it(`seed ${seed}, --shards ${shards} --workers 2`, async () => {
        const lines = await expectSameOutput(session(seed, 1500), shards, 2);
        const out = lines.join('\n');
        // The session exercised what matters: expiries, live lists, status, errors.
        expect(out).toMatch(/"expired": \["/);
        expect(out).toMatch(/"active": \["/);
        expect(out).toContain('"connections": [{');
        expect(out).toContain('"code": 20');
      });
    }
  }

  it('a mass expiry of 20,000 clients over 3 shards (settled in chunks)', async () => {
    const lines = [INIT];
    for (let i = 0; i < 20_000; i++) lines.push(req({ type: 'ka_register', client_id: `m${i}`, timeout_ms: 50 + (i % 3) }));
    lines.push(req({ type: 'ka_check', msg_id: 2, current_time_ms: 25 }));
    for (let i = 0; i < 20_000; i += 7) lines.push(req({ type: 'ka_heartbeat', client_id: `m${i}` }));
    lines.push(req({ type: 'ka_status', msg_id: 3 }));
    lines.push(req({ type: 'ka_check', msg_id: 4, current_time_ms: 60 }));
    lines.push(req({ type: 'ka_check', msg_id: 5, current_time_ms: 100 }));
    const replies = await expectSameOutput(lines, 3, 2);
    const expired = (JSON.parse(replies[3]) as { body: { expired: string[] } }).body.expired;
    expect(expired.length).toBe(20_000 - Math.ceil(20_000 / 7));
  });

  it('refuses a --workers outside 0..256 or not in decimal digits, with a usage error', async () => {
    for (const bad of ['-1', '1.5', 'two', '', '257', '0x2', '1e1', ' 2']) {
      const run = await runCli(['node', `--workers=${bad}`], '');
      expect(run.code, `--workers=${bad}`).toBe(2);
      expect(run.errLines[0]).toBe(`keepwatch: --workers must be an integer in 0..256, got '${bad}'`);
      expect(run.stdout.length).toBe(0);
    }
  });

  it('refuses a --shards outside 1..1024 or not in decimal digits, with a usage error', async () => {
    for (const bad of ['0', '1025', '100000', '0x10', '1e1', ' 4', '4 ', '']) {
      const run = await runCli(['node', `--shards=${bad}`], '');
      expect(run.code, `--shards=${bad}`).toBe(2);
      expect(run.errLines[0]).toBe(`keepwatch: --shards must be an integer in 1..1024, got '${bad}'`);
      expect(run.stdout.length).toBe(0);
    }
    // The bound itself is accepted.
    const input = [
      '{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}',
      '{"src":"c1","dest":"n1","body":{"type":"ka_register","msg_id":2,"client_id":"a","timeout_ms":5}}',
      '{"src":"c1","dest":"n1","body":{"type":"ka_check","msg_id":3,"current_time_ms":10}}',
    ].join('\n');
    const edge = await runCli(['node', '--shards', '1024'], `${input}\n`);
    expect(edge.code).toBe(0);
    expect(edge.lines.length).toBe(3);
    expect(JSON.parse(edge.lines[2])).toMatchObject({ body: { type: 'ka_check_ok', expired: ['a'], active: [] } });
  });
});
