/**
 * `npm run bench:node`: messages per second of the stdio node on a
 * generated input (init, 100,000 registrations, 1,000,000 heartbeats, 20
 * checks expiring about 1% each, a status), against the floor (parse and a
 * fixed reply) and a Map node, in the same run, each process repeated
 * (--runs, default 5) in interleaved order; medians reported. The Map
 * node's output must be byte-identical to keepwatch's.
 * Flags: --runs R, --shards N (keepwatch's), --quick (a small input).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatCount, formatRatio, median, passFail, printTable, progress, writeResultsJson } from './lib/index.js';
import { DEFAULT_SHAPE, writeInputFile, type InputShape } from './node/input-file.js';
import { runWithFiles } from './node/run-process.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    shards: { type: 'string', default: '1' },
    quick: { type: 'boolean', default: false },
  },
});
const quick = values.quick ?? false;
const runs = quick ? 1 : Number(values.runs);
const shape: InputShape = quick ? { clients: 10_000, heartbeats: 100_000, checks: 20 } : DEFAULT_SHAPE;

const here = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));
const PROGRAMS = [
  { key: 'floor', label: 'floor (JSON.parse + fixed reply)', args: [here('./baselines/floor-node.js')] },
  { key: 'map', label: 'Map node (full scan per check)', args: [here('./baselines/map-node.js')] },
  { key: 'keepwatch', label: `keepwatch node --shards ${values.shards}`, args: [here('../src/cli/main.js'), 'node', '--shards', String(values.shards)] },
] as const;
type Key = (typeof PROGRAMS)[number]['key'];

const dir = mkdtempSync(join(tmpdir(), 'keepwatch-bench-node-'));
try {
  const inputPath = join(dir, 'input.jsonl');
  progress(`generating input: ${formatCount(shape.clients)} registrations, ${formatCount(shape.heartbeats)} heartbeats, ${shape.checks} checks`);
  const messages = await writeInputFile(inputPath, shape);
  progress(`${formatCount(messages)} messages, ${(statSync(inputPath).size / 1e6).toFixed(1)} MB in ${inputPath}`);

  const wall: Record<Key, number[]> = { floor: [], map: [], keepwatch: [] };
  const cpu: Record<Key, number[]> = { floor: [], map: [], keepwatch: [] };
  const outputOf = (key: Key): string => join(dir, `out-${key}.jsonl`);
  let identical: boolean | undefined;
  let replyLines = 0;
  for (let run = 1; run <= runs; run++) {
    // Rotate the order so that no program always runs first (cold caches) or last.
    const order = PROGRAMS.map((_, i) => PROGRAMS[(i + run - 1) % PROGRAMS.length]);
    for (const program of order) {
      const result = await runWithFiles(program.args, inputPath, outputOf(program.key));
      if (result.exitCode !== 0) throw new Error(`${program.label} exited ${result.exitCode}: ${result.stderr}`);
      wall[program.key].push(result.wallMs);
      cpu[program.key].push(result.cpuMs);
      progress(`run ${run}/${runs} ${program.label}: ${result.wallMs.toFixed(0)} ms wall, ${result.cpuMs.toFixed(0)} ms CPU, ${formatCount((messages * 1000) / result.wallMs)} msg/s`);
    }
    if (identical === undefined) {
      const kw = readFileSync(outputOf('keepwatch'));
      identical = kw.equals(readFileSync(outputOf('map')));
      replyLines = kw.toString('latin1').split('\n').length - 1;
      progress(`keepwatch output ${identical ? 'IS' : 'is NOT'} byte-identical to the Map node's (${formatCount(kw.length)} bytes, ${formatCount(replyLines)} reply lines)`);
    }
  }

  const rate = (key: Key, times = wall): number => (messages * 1000) / median(times[key]);
  const floor = rate('floor');
  const map = rate('map');
  const kw = rate('keepwatch');
  const cpuRate = (key: Key): number => rate(key, cpu);
  printTable(
    `Node throughput, ${formatCount(messages)} messages (median of ${runs} run(s); wall from spawn to exit, CPU = the process's user+system)`,
    ['program', 'wall ms', 'msg/s (wall)', 'vs floor', 'vs Map', 'CPU ms', 'msg/s (CPU)', 'vs floor', 'vs Map'],
    PROGRAMS.map((p) => [
      p.label,
      median(wall[p.key]).toFixed(0),
      formatCount(rate(p.key)),
      `${((100 * rate(p.key)) / floor).toFixed(1)}%`,
      formatRatio(rate(p.key) / map),
      median(cpu[p.key]).toFixed(0),
      formatCount(cpuRate(p.key)),
      `${((100 * cpuRate(p.key)) / cpuRate('floor')).toFixed(1)}%`,
      formatRatio(cpuRate(p.key) / cpuRate('map')),
    ]),
  );
  process.stdout.write(`\nkeepwatch output byte-identical to the Map node's: ${identical ? 'YES' : 'NO'} (${formatCount(replyLines)} reply lines for ${formatCount(messages)} requests)\n`);
  const kwCpu = cpuRate('keepwatch');
  const targets = [
    { target: 'keepwatch >= 60% of the floor (wall)', value: `${((100 * kw) / floor).toFixed(1)}%`, met: kw >= 0.6 * floor },
    { target: 'keepwatch >= 60% of the floor (CPU)', value: `${((100 * kwCpu) / cpuRate('floor')).toFixed(1)}%`, met: kwCpu >= 0.6 * cpuRate('floor') },
    { target: 'keepwatch above the Map node (wall)', value: formatRatio(kw / map), met: kw > map },
    { target: 'keepwatch above the Map node (CPU)', value: formatRatio(kwCpu / cpuRate('map')), met: kwCpu > cpuRate('map') },
    { target: 'output byte-identical to the Map node', value: identical ? 'yes' : 'no', met: identical === true },
  ];
  printTable('Issue 2 node throughput targets (same run)', ['target', 'measured', 'verdict'], targets.map((t) => [t.target, t.value, passFail(t.met)]));
  process.stdout.write(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);

  const path = writeResultsJson(quick ? 'node-throughput-quick' : 'node-throughput', {
    input: { ...shape, messages },
    runs,
    wallMs: wall,
    cpuMs: cpu,
    messagesPerSecond: { floor, map, keepwatch: kw },
    messagesPerCpuSecond: { floor: cpuRate('floor'), map: cpuRate('map'), keepwatch: kwCpu },
    loadAverage: loadavg(),
    keepwatchVsFloor: kw / floor,
    keepwatchVsMap: kw / map,
    byteIdentical: identical,
    replyLines,
    targets,
  });
  progress(`wrote ${path}`);
  if (!identical) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
