import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runNode } from '../helpers/run-node.js';

interface SeedCase {
  name: string;
  timeout_ms: number;
  input: string[];
  expected: string[];
}

// The two published sample cases, kept in the repository as data.
const SAMPLES = fileURLToPath(new URL('../fixtures/seed-samples.json', import.meta.url));
const { cases } = JSON.parse(readFileSync(SAMPLES, 'utf8')) as { cases: SeedCase[] };

describe('published seed samples through the built binary', () => {
  it('has the two published cases', () => {
    expect(cases.length).toBe(2);
  });

  for (const c of cases) {
    for (const shards of [1, 4]) {
      it(`${c.name} (--shards ${shards}) is byte-exact`, async () => {
        const run = await runNode(c.input, { args: ['--shards', String(shards)], timeoutMs: c.timeout_ms * 4 });
        expect(run.stdout.toString('utf8')).toBe(c.expected.map((l) => l + '\n').join(''));
        expect(run.errLines).toEqual([]);
        expect(run.code).toBe(0);
      });
    }
  }

  it('`npx keepwatch node` (the package bin) prints every sample byte for byte', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    // A cache of its own: npx resolves through ~/.npm/_npx, which other npm
    // processes on the machine may be rewriting at the same moment.
    const cache = mkdtempSync(join(tmpdir(), 'keepwatch-npx-cache-'));
    onTestFinished(() => rmSync(cache, { recursive: true, force: true }));
    for (const c of cases) {
      const run = spawnSync('npx', ['--no-install', 'keepwatch', 'node'], {
        cwd: root,
        env: { ...process.env, npm_config_cache: cache },
        input: c.input.map((l) => l + '\n').join(''),
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(run.stdout).toBe(c.expected.map((l) => l + '\n').join(''));
      expect(run.status).toBe(0);
    }
    // npx starts npm before the bin: about a second per sample when the
    // machine is quiet, up to a minute each when it is heavily shared.
  }, 200_000);
});
