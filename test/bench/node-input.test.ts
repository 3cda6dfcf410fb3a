import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { writeInputFile } from '../../bench/node/input-file.js';
import { CLI_PATH } from '../helpers/run-node.js';

const MAP_NODE = fileURLToPath(new URL('../../dist/bench/baselines/map-node.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'keepwatch-node-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Line {
  src: string;
  body: { type: string; client_id?: string; msg_id?: number; timeout_ms?: number; ping_interval_ms?: number };
}

const SHAPE = { clients: 4_000, heartbeats: 40_000, checks: 20 };

function run(script: string, args: string[], input: Buffer): { stdout: string; status: number | null } {
  const out = spawnSync(process.execPath, [script, ...args], { input, maxBuffer: 1 << 28, timeout: 60_000 });
  return { stdout: out.stdout.toString('utf8'), status: out.status };
}

describe('the node benchmark input per profile', () => {
  it('realistic: shuffled registrations, 60% own settings, src per client, ~2.5% unknown ids, ~2% without msg_id', async () => {
    const path = join(dir, 'realistic.jsonl');
    const lines = await writeInputFile(path, SHAPE, 'realistic');
    const parsed = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Line);
    expect(parsed.length).toBe(lines);
    const registers = parsed.filter((l) => l.body.type === 'ka_register');
    const beats = parsed.filter((l) => l.body.type === 'ka_heartbeat');
    expect(registers.length).toBe(SHAPE.clients);
    expect(beats.length).toBe(SHAPE.heartbeats);
    expect(registers.slice(0, 5).map((l) => l.body.client_id)).not.toEqual(['client-0', 'client-1', 'client-2', 'client-3', 'client-4']);
    const own = registers.filter((l) => l.body.timeout_ms !== undefined);
    expect(own.length / registers.length).toBeGreaterThan(0.55);
    expect(own.length / registers.length).toBeLessThan(0.65);
    expect(own.every((l) => l.body.timeout_ms! >= 20_000 && l.body.timeout_ms! <= 200_000 && l.body.ping_interval_ms! >= 1 && l.body.ping_interval_ms! <= 10_000)).toBe(true);
    expect([...beats, ...registers].every((l) => l.src === l.body.client_id)).toBe(true);
    const unknown = beats.filter((l) => Number(l.body.client_id!.slice('client-'.length)) >= SHAPE.clients).length / beats.length;
    expect(unknown).toBeGreaterThan(0.02);
    expect(unknown).toBeLessThan(0.03);
    const silent = beats.filter((l) => l.body.msg_id === undefined).length / beats.length;
    expect(silent).toBeGreaterThan(0.015);
    expect(silent).toBeLessThan(0.025);
  });

  for (const profile of ['uniform', 'tiers', 'realistic'] as const) {
    it(`${profile}: keepwatch node and the Map node give byte-identical output`, async () => {
      const path = join(dir, `${profile}-run.jsonl`);
      await writeInputFile(path, SHAPE, profile);
      const input = readFileSync(path);
      const kw = run(CLI_PATH, ['node'], input);
      const map = run(MAP_NODE, [], input);
      expect(kw.status).toBe(0);
      expect(map.status).toBe(0);
      expect(kw.stdout.length).toBeGreaterThan(1000);
      expect(kw.stdout === map.stdout).toBe(true);
      if (profile === 'realistic') expect(kw.stdout.split('"code": 20').length - 1).toBeGreaterThan(SHAPE.heartbeats * 0.02);
    }, 90_000);
  }
});
