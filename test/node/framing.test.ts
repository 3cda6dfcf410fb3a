import { describe, expect, it } from 'vitest';
import { INIT, INIT_OK, reply, req } from '../helpers/messages.js';
import { spawn } from 'node:child_process';
import { CLI_PATH, runCli, runNode } from '../helpers/run-node.js';

const REGISTER = req({ type: 'ka_register', msg_id: 2, client_id: 'c1', timeout_ms: 30000, ping_interval_ms: 10000 });
const HEARTBEAT = req({ type: 'ka_heartbeat', msg_id: 3, client_id: 'c1' });
const EXPECTED = [
  INIT_OK,
  reply({ type: 'ka_register_ok', in_reply_to: 2, msg_id: 1 }),
  reply({ type: 'ka_heartbeat_ok', in_reply_to: 3, last_seen_ms_ago: 0, msg_id: 2 }),
]
  .map((l) => l + '\n')
  .join('');
const BOM = '\ufeff';

describe('input framing', () => {
  const variants: [string, string][] = [
    ['LF', `${INIT}\n${REGISTER}\n${HEARTBEAT}\n`],
    ['CRLF', `${INIT}\r\n${REGISTER}\r\n${HEARTBEAT}\r\n`],
    ['a leading BOM', `${BOM}${INIT}\n${REGISTER}\n${HEARTBEAT}\n`],
    ['a leading BOM and CRLF', `${BOM}${INIT}\r\n${REGISTER}\r\n${HEARTBEAT}\r\n`],
    ['a last line without newline', `${INIT}\n${REGISTER}\n${HEARTBEAT}`],
    ['a last CRLF line without newline', `${INIT}\r\n${REGISTER}\r\n${HEARTBEAT}\r`],
    ['a BOM and a single unterminated line', `${BOM}${INIT}`],
  ];
  for (const [name, input] of variants) {
    it(`reads ${name}`, async () => {
      const run = await runNode(input);
      const wanted = name.includes('single') ? INIT_OK + '\n' : EXPECTED;
      expect(run.stdout.toString('utf8')).toBe(wanted);
      expect(run.errLines).toEqual([]);
      expect(run.code).toBe(0);
    });
  }

  it('reads input split into 7-byte chunks (BOM, CRLF and lines cut anywhere) the same way', async () => {
    const child = spawn(process.execPath, [CLI_PATH, 'node'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    const bytes = Buffer.from(`${BOM}${INIT}\r\n${REGISTER}\n${HEARTBEAT}`);
    for (let i = 0; i < bytes.length; i += 7) {
      child.stdin.write(bytes.subarray(i, i + 7));
      if (i % 70 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    child.stdin.end();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(Buffer.concat(out).toString('utf8')).toBe(EXPECTED);
    expect(code).toBe(0);
  });

  for (const args of [[], ['--shards', '3', '--workers', '2']]) {
    it(`answers each line as soon as it is read, before stdin closes (interactive) ${args.join(' ')}`, async () => {
      const child = spawn(process.execPath, [CLI_PATH, 'node', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let seen = '';
      const gotLine = (n: number) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no reply ${n} within 5 s; got ${seen}`)), 5000);
          const onData = (b: Buffer) => {
            seen += b.toString('utf8');
            if (seen.split('\n').length > n) {
              clearTimeout(timer);
              child.stdout.off('data', onData);
              resolve();
            }
          };
          child.stdout.on('data', onData);
        });
      const steps = [
        [INIT, INIT_OK],
        [REGISTER, reply({ type: 'ka_register_ok', in_reply_to: 2, msg_id: 1 })],
        [req({ type: 'ka_check', msg_id: 3, current_time_ms: 5 }), reply({ type: 'ka_check_ok', in_reply_to: 3, expired: [], active: ['c1'], msg_id: 2 })],
        [req({ type: 'ka_status', msg_id: 4 }), reply({ type: 'ka_status_ok', in_reply_to: 4, connections: [{ client_id: 'c1', last_seen_ms_ago: 5, status: 'active' }], msg_id: 3 })],
      ];
      try {
        let expected = '';
        for (const [i, [line, answer]] of steps.entries()) {
          const next = gotLine(i + 1);
          child.stdin.write(line + '\n');
          await next;
          expected += answer + '\n';
          expect(seen).toBe(expected);
        }
      } finally {
        child.stdin.end();
        await new Promise((resolve) => child.on('close', resolve));
      }
    });
  }

  it('a BOM that is not at the start of input is not ignored (the line is bad)', async () => {
    const run = await runNode(`${INIT}\n${BOM}${REGISTER}\n${HEARTBEAT}\n`);
    expect(run.lines[0]).toBe(INIT_OK);
    expect(run.lines[1]).toContain('"code": 20');
    expect(run.lines.length).toBe(2);
    expect(run.errLines.length).toBe(1);
  });

  for (const [name, input] of [['empty input', ''], ['an input that is only a BOM', BOM]]) {
    it(`exits 0 with no output and no diagnostic on ${name}`, async () => {
      const run = await runNode(input);
      expect(run.stdout.length).toBe(0);
      expect(run.errLines).toEqual([]);
      expect(run.code).toBe(0);
    });
  }

  it('exits 0 at EOF after many lines, with every reply flushed', async () => {
    const lines = [INIT];
    for (let i = 0; i < 20_000; i++) lines.push(req({ type: 'ka_register', msg_id: i + 2, client_id: `id${i}` }));
    const run = await runNode(lines);
    expect(run.code).toBe(0);
    expect(run.lines.length).toBe(20_001);
    expect(run.lines[20_000]).toBe(reply({ type: 'ka_register_ok', in_reply_to: 20_001, msg_id: 20_000 }));
  });
});

describe('large output', () => {
  it('tens of megabytes of replies arrive complete and in order (stdout backpressure)', async () => {
    const lines = [INIT];
    for (let i = 0; i < 5000; i++) lines.push(req({ type: 'ka_register', client_id: `client-${i}` }));
    for (let i = 0; i < 150; i++) lines.push(req({ type: 'ka_status', msg_id: 1000 + i }));
    const run = await runNode(lines, { timeoutMs: 60_000 });
    expect(run.code).toBe(0);
    expect(run.stdout.length).toBeGreaterThan(40 * 1024 * 1024);
    expect(run.lines.length).toBe(151);
    run.lines.slice(1).forEach((line, i) => {
      expect(line.startsWith(`{"src": "n1", "dest": "c1", "body": {"type": "ka_status_ok", "in_reply_to": ${1000 + i}, `)).toBe(true);
      expect(line.endsWith(`"status": "active"}], "msg_id": ${i + 1}}}`)).toBe(true);
    });
  });
});

describe('--shards gives identical output', () => {
  it('for a session with registrations, heartbeats, expiries and status, at 1, 2, 7 and 64 shards', async () => {
    const lines = [INIT];
    let msg = 2;
    for (let i = 0; i < 300; i++) lines.push(req({ type: 'ka_register', msg_id: msg++, client_id: `c${i}`, timeout_ms: 10 + (i % 17) * 5 }));
    for (let t = 5; t < 120; t += 7) {
      for (let i = t % 3; i < 300; i += 11) lines.push(req({ type: 'ka_heartbeat', msg_id: msg++, client_id: `c${i}` }));
      lines.push(req({ type: 'ka_check', msg_id: t % 2 ? msg++ : undefined, current_time_ms: t }));
      lines.push(req({ type: 'ka_status', msg_id: msg++ }));
      for (let i = t; i < 300; i += 37) lines.push(req({ type: 'ka_register', msg_id: msg++, client_id: `c${i}`, timeout_ms: 20 }));
    }
    const runs = await Promise.all(['1', '2', '7', '64'].map((n) => runNode(lines, { args: ['--shards', n] })));
    for (const run of runs) {
      expect(run.code).toBe(0);
      expect(run.errLines.filter((l) => !l.includes('error 20'))).toEqual([]);
    }
    expect(runs[0].lines.some((l) => l.includes('"expired": ["'))).toBe(true);
    for (const run of runs.slice(1)) expect(run.stdout.equals(runs[0].stdout)).toBe(true);
  });
});

describe('command line', () => {
  it('keepwatch --help explains the commands and exits 0', async () => {
    const run = await runCli(['--help'], '');
    expect(run.code).toBe(0);
    expect(run.stdout.toString()).toContain('keepwatch node');
  });

  it('keepwatch node --help explains --shards and --clock and exits 0 without reading input', async () => {
    const run = await runCli(['node', '--help'], INIT + '\n');
    expect(run.code).toBe(0);
    const text = run.stdout.toString();
    expect(text).toContain('--shards');
    expect(text).toContain('--clock');
    expect(text).not.toContain('init_ok');
  });

  for (const args of [['node', '--shards', '0'], ['node', '--shards', 'x'], ['node', '--clock', 'sundial'], ['node', '--bogus'], ['frobnicate']]) {
    it(`rejects ${args.join(' ')} with a usage message and exit code 2`, async () => {
      const run = await runCli(args, '');
      expect(run.code).toBe(2);
      expect(run.stdout.length).toBe(0);
      expect(run.errLines.join('\n')).toContain('Usage');
    });
  }

  it('--clock real: now is never less than the largest current_time_ms seen', async () => {
    const run = await runNode(
      [
        INIT,
        req({ type: 'ka_register', msg_id: 2, client_id: 'a', timeout_ms: 100 }),
        req({ type: 'ka_check', msg_id: 3, current_time_ms: 10_000_000 }),
        req({ type: 'ka_register', msg_id: 4, client_id: 'b', timeout_ms: 100 }),
        req({ type: 'ka_check', msg_id: 5, current_time_ms: 5 }),
      ],
      { args: ['--clock', 'real'] },
    );
    expect(run.lines[2]).toBe(reply({ type: 'ka_check_ok', in_reply_to: 3, expired: ['a'], active: [], msg_id: 2 }));
    // b was stamped at >= 10,000,000: a check at 5 is read as "now" and b lives.
    expect(run.lines[4]).toBe(reply({ type: 'ka_check_ok', in_reply_to: 5, expired: [], active: ['b'], msg_id: 4 }));
  });

  it('--clock real serves the protocol too', async () => {
    const run = await runNode([INIT, REGISTER, HEARTBEAT], { args: ['--clock', 'real'] });
    expect(run.stdout.toString('utf8')).toBe(EXPECTED);
  });
});
