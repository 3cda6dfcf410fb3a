/**
 * `npm run bench:node`: messages per second of the stdio node on a
 * generated input per traffic profile (node/input-file.ts; NODE_INPUT_MIX
 * in core/profiles.ts), against the floor (parse and a fixed reply) and a
 * Map node, in the same run, each process repeated (--runs, default 5) in
 * interleaved order; medians reported. The Map node's output must be
 * byte-identical to keepwatch's (the run fails otherwise).
 * Flags: --profile uniform|tiers|realistic|all (all, side by side),
 * --runs R, --shards N (keepwatch's), --quick (a small input).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProfiles, NODE_PROFILE_SUMMARIES } from './core/profiles.js';
import { benchFlags, formatCount, formatRatio, median, passFail, printTable, progress, writeResultsJson } from './lib/index.js';
import { DEFAULT_SHAPE, type InputShape } from './node/input-file.js';
import { PROGRAM_KEYS, programs, runNodeProfile, type NodeProfileResult } from './node/profile-throughput.js';

const values = benchFlags('npm run bench:node --', {
  runs: { type: 'string', default: '5' },
  shards: { type: 'string', default: '1' },
  profile: { type: 'string', default: 'all' },
  quick: { type: 'boolean', default: false },
});
const quick = values.quick ?? false;
const runs = quick ? 1 : Number(values.runs);
const shards = Number(values.shards);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer; got '${values.runs}'`);
if (!Number.isInteger(shards) || shards < 1) throw new Error(`--shards must be a positive integer; got '${values.shards}'`);
const profiles = parseProfiles(values.profile);
const shape: InputShape = quick ? { clients: 10_000, heartbeats: 100_000, checks: 20 } : DEFAULT_SHAPE;
const labels = programs(shards);

const dir = mkdtempSync(join(tmpdir(), 'keepwatch-bench-node-'));
const results: NodeProfileResult[] = [];
try {
  for (const profile of profiles) results.push(await runNodeProfile(profile, shape, runs, shards, dir));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const pct = (a: number, b: number): string => `${((100 * a) / b).toFixed(1)}%`;
for (const r of results) {
  printTable(
    `[${r.profile}] node throughput, ${formatCount(r.messages)} messages (median of ${runs} run(s); wall from spawn to exit, CPU = the process's user+system)`,
    ['program', 'wall ms', 'msg/s (wall)', 'vs floor', 'vs Map', 'CPU ms', 'msg/s (CPU)', 'vs floor', 'vs Map'],
    PROGRAM_KEYS.map((key) => [
      labels[key].label,
      median(r.wallMs[key]).toFixed(0),
      formatCount(r.rate[key]),
      pct(r.rate[key], r.rate.floor),
      formatRatio(r.rate[key] / r.rate.map),
      median(r.cpuMs[key]).toFixed(0),
      formatCount(r.cpuRate[key]),
      pct(r.cpuRate[key], r.cpuRate.floor),
      formatRatio(r.cpuRate[key] / r.cpuRate.map),
    ]),
  );
  process.stdout.write(`[${r.profile}] keepwatch output byte-identical to the Map node's: ${r.byteIdentical ? 'YES' : 'NO'} (${formatCount(r.replyLines)} reply lines, ${formatCount(r.errorReplies)} errors, for ${formatCount(r.messages)} requests)\n`);
}

const targetsOf = (r: NodeProfileResult): Array<{ target: string; value: string; met: boolean }> => [
  { target: 'keepwatch >= 60% of the floor (wall)', value: pct(r.rate.keepwatch, r.rate.floor), met: r.rate.keepwatch >= 0.6 * r.rate.floor },
  { target: 'keepwatch >= 60% of the floor (CPU)', value: pct(r.cpuRate.keepwatch, r.cpuRate.floor), met: r.cpuRate.keepwatch >= 0.6 * r.cpuRate.floor },
  { target: 'keepwatch above the Map node (wall)', value: formatRatio(r.rate.keepwatch / r.rate.map), met: r.rate.keepwatch > r.rate.map },
  { target: 'keepwatch above the Map node (CPU)', value: formatRatio(r.cpuRate.keepwatch / r.cpuRate.map), met: r.cpuRate.keepwatch > r.cpuRate.map },
  { target: 'output byte-identical to the Map node', value: r.byteIdentical ? 'yes' : 'no', met: r.byteIdentical },
];
const targets = results.map(targetsOf);
printTable('Node throughput targets, profiles side by side (same run)', ['target', ...results.map((r) => r.profile)], targets[0].map((t, k) => [
  t.target, ...targets.map((list) => `${list[k].value} ${passFail(list[k].met)}`),
]));
for (const r of results) process.stdout.write(`  ${r.profile}: ${NODE_PROFILE_SUMMARIES[r.profile]}\n`);
process.stdout.write(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);

const path = writeResultsJson(quick ? 'node-throughput-quick' : 'node-throughput', {
  input: shape,
  runs,
  shards,
  loadAverage: loadavg(),
  profiles: Object.fromEntries(results.map((r, k) => [r.profile, {
    description: NODE_PROFILE_SUMMARIES[r.profile],
    ...r,
    messagesPerSecond: r.rate,
    messagesPerCpuSecond: r.cpuRate,
    keepwatchVsFloor: r.rate.keepwatch / r.rate.floor,
    keepwatchVsMap: r.rate.keepwatch / r.rate.map,
    targets: targets[k],
  }])),
});
progress(`wrote ${path}`);
if (results.some((r) => !r.byteIdentical)) process.exitCode = 1;
