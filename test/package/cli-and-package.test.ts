import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-node.js';

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
  license: string;
};

describe('keepwatch --version', () => {
  it('prints the version of the package it was installed with', async () => {
    for (const flag of ['--version', '-v']) {
      const run = await runCli([flag], '');
      expect(run.code).toBe(0);
      expect(run.lines).toEqual([`keepwatch ${manifest.version}`]);
    }
  });
});

describe('command-line errors name the flag and show the usage of the command that failed', () => {
  it.each([
    [['node', '--workers', '-1'], /--workers must be an integer .*'-1'/],
    [['node', '--shards', 'x'], /--shards must be an integer .*'x'/],
    [['node', '--bogus'], /Unknown option '--bogus'/],
  ])('keepwatch %j', async (argv, message) => {
    const run = await runCli(argv, '');
    expect(run.code).toBe(2);
    expect(run.errLines[0]).toMatch(message);
    const stderr = run.errLines.join('\n');
    expect(stderr).toContain('keepwatch node: the keep-alive protocol on stdin/stdout');
    expect(stderr).not.toContain('Did you forget'); // Node's parser text is not what users see
    expect(run.stdout.length).toBe(0);
  });

  it('keepwatch serve --workers -1 is a range error, not a parser message', async () => {
    const run = await runCli(['serve', '--workers', '-1'], '');
    expect(run.code).toBe(2);
    expect(run.errLines[0]).toMatch(/--workers must be an integer in 0\.\.\d+, got '-1'/);
  });
});

describe('the published package', () => {
  it('ships the built library, the protocol and the examples, not the benches, tests or scripts', async () => {
    const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: new URL('../..', import.meta.url),
      maxBuffer: 64 * 1024 * 1024,
    });
    const files = (JSON.parse(stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
    expect(files).toContain('LICENSE');
    expect(files).toContain('README.md');
    expect(files).toContain('docs/protocol.md');
    expect(files).toContain('dist/src/cli/main.js');
    expect(files.filter((f) => /^(dist\/(bench|scripts|test)|bench|test|scripts|src)\//.test(f))).toEqual([]);
    expect(readFileSync(new URL('../../LICENSE', import.meta.url), 'utf8')).toMatch(/^MIT License/);
    expect(manifest.license).toBe('MIT');
  }, 60_000);
});
