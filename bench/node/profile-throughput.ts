/**
 * One profile of `bench:node`: generate the input, run the floor, the Map
 * node and keepwatch on it (--runs times, interleaved, rotating who goes
 * first), check keepwatch's output byte-identical to the Map node's.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProfileName } from '../core/profiles.js';
import { formatCount, median, progress } from '../lib/index.js';
import { writeInputFile, type InputShape } from './input-file.js';
import { runWithFiles } from './run-process.js';

const here = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));

export const PROGRAM_KEYS = ['floor', 'map', 'keepwatch'] as const;
export type ProgramKey = (typeof PROGRAM_KEYS)[number];

export function programs(shards: number): Record<ProgramKey, { label: string; args: string[] }> {
  return {
    floor: { label: 'floor (JSON.parse + fixed reply)', args: [here('../baselines/floor-node.js')] },
    map: { label: 'Map node (full scan per check)', args: [here('../baselines/map-node.js')] },
    keepwatch: { label: `keepwatch node --shards ${shards}`, args: [here('../../src/cli/main.js'), 'node', '--shards', String(shards)] },
  };
}

export interface NodeProfileResult {
  profile: ProfileName;
  messages: number;
  inputBytes: number;
  wallMs: Record<ProgramKey, number[]>;
  cpuMs: Record<ProgramKey, number[]>;
  /** Messages per second, median wall / CPU time. */
  rate: Record<ProgramKey, number>;
  cpuRate: Record<ProgramKey, number>;
  byteIdentical: boolean;
  replyLines: number;
  /** Error replies in keepwatch's output (unknown or expired ids, for realistic). */
  errorReplies: number;
}

export async function runNodeProfile(profile: ProfileName, shape: InputShape, runs: number, shards: number, dir: string): Promise<NodeProfileResult> {
  const inputPath = join(dir, `input-${profile}.jsonl`);
  progress(`[${profile}] generating input: ${formatCount(shape.clients)} registrations, ${formatCount(shape.heartbeats)} heartbeats, ${shape.checks} checks`);
  const messages = await writeInputFile(inputPath, shape, profile);
  const inputBytes = statSync(inputPath).size;
  progress(`[${profile}] ${formatCount(messages)} messages, ${(inputBytes / 1e6).toFixed(1)} MB`);
  const table = programs(shards);
  const wallMs: Record<ProgramKey, number[]> = { floor: [], map: [], keepwatch: [] };
  const cpuMs: Record<ProgramKey, number[]> = { floor: [], map: [], keepwatch: [] };
  const outputOf = (key: ProgramKey): string => join(dir, `out-${profile}-${key}.jsonl`);
  let byteIdentical = false;
  let replyLines = 0;
  let errorReplies = 0;
  for (let run = 1; run <= runs; run++) {
    // Rotate the order so that no program always runs first (cold caches) or last.
    const order = PROGRAM_KEYS.map((_, i) => PROGRAM_KEYS[(i + run - 1) % PROGRAM_KEYS.length]);
    for (const key of order) {
      const result = await runWithFiles(table[key].args, inputPath, outputOf(key));
      if (result.exitCode !== 0) throw new Error(`${table[key].label} exited ${result.exitCode}: ${result.stderr}`);
      wallMs[key].push(result.wallMs);
      cpuMs[key].push(result.cpuMs);
      progress(`[${profile}] run ${run}/${runs} ${table[key].label}: ${result.wallMs.toFixed(0)} ms wall, ${result.cpuMs.toFixed(0)} ms CPU, ${formatCount((messages * 1000) / result.wallMs)} msg/s`);
    }
    if (run === 1) {
      const kw = readFileSync(outputOf('keepwatch'));
      byteIdentical = kw.equals(readFileSync(outputOf('map')));
      const text = kw.toString('latin1');
      replyLines = text.split('\n').length - 1;
      errorReplies = text.split('"type": "error"').length - 1;
      progress(`[${profile}] keepwatch output ${byteIdentical ? 'IS' : 'is NOT'} byte-identical to the Map node's (${formatCount(replyLines)} reply lines, ${formatCount(errorReplies)} errors)`);
    }
  }
  const rateOf = (times: Record<ProgramKey, number[]>, key: ProgramKey): number => (messages * 1000) / median(times[key]);
  const rates = (times: Record<ProgramKey, number[]>): Record<ProgramKey, number> => ({
    floor: rateOf(times, 'floor'),
    map: rateOf(times, 'map'),
    keepwatch: rateOf(times, 'keepwatch'),
  });
  return { profile, messages, inputBytes, wallMs, cpuMs, rate: rates(wallMs), cpuRate: rates(cpuMs), byteIdentical, replyLines, errorReplies };
}
