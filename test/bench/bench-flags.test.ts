import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** Two entry points built by `npm run build`: a top-level one and one parsed in an async main. */
const CORE_SWEEPS = fileURLToPath(new URL('../../dist/bench/core-sweeps.js', import.meta.url));
const FRAME_FLOOD = fileURLToPath(new URL('../../dist/bench/overload/frame-flood.js', import.meta.url));

function run(script: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const out = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

describe('benchmark entry points answer a bad command line with one line and the usage', () => {
  it('an unknown flag: exit 2, `<command>: <why>` then the usage on stderr, no stack trace', () => {
    const { status, stdout, stderr } = run(CORE_SWEEPS, ['--nope']);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    const [first, ...rest] = stderr.trimEnd().split('\n');
    expect(first).toBe("npm run bench:core --: Unknown option '--nope'");
    expect(rest[0]).toBe('usage: npm run bench:core --');
    expect(rest).toContain('  [--clients <value>] (default 100000)');
    expect(rest).toContain('  [--quick]');
    expect(stderr).not.toMatch(/ERR_PARSE_ARGS|\n\s+at /);
  });

  it('a flag missing its value, in a bench with its own flag table (overload kit): exit 2 and the usage', () => {
    const { status, stderr } = run(FRAME_FLOOD, ['--rate']);
    expect(status).toBe(2);
    expect(stderr.split('\n')[0]).toBe("node dist/bench/overload/frame-flood.js: Option '--rate <value>' argument missing");
    expect(stderr).toContain('[--rate <value>] (default 200000)');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('--help: the usage on stdout, exit 0, nothing run', () => {
    const { status, stdout, stderr } = run(CORE_SWEEPS, ['--help']);
    expect(status).toBe(0);
    expect(stderr).toBe('');
    expect(stdout.split('\n')[0]).toBe('usage: npm run bench:core --');
    expect(stdout).toContain('  [--mass-only]');
  });
});
