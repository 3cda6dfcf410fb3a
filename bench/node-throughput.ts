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
import { tmpdir } from 'node:os';
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
      progress(`run ${run}/${runs} ${program.label}: ${result.wallMs.toFixed(0)} ms, ${formatCount((messages * 1000) / result.wallMs)} msg/s`);
    }
    if (identical === undefined) {
      const kw = readFileSync(outputOf('keepwatch'));
      identical = kw.equals(readFileSync(outputOf('map')));
      replyLines = kw.toString('latin1').split('\n').length - 1;
      progress(`keepwatch output ${identical ? 'IS' : 'is NOT'} byte-identical to the Map node's (${formatCount(kw.length)} bytes, ${formatCount(replyLines)} reply lines)`);
    }
  }

  const rate = (key: Key): number => (messages * 1000) / median(wall[key]);
  const floor = rate('floor');
  const map = rate('map');
  const kw = rate('keepwatch');
  printTable(
    `Node throughput, ${formatCount(messages)} messages (median of ${runs} run(s), wall time from spawn to exit)`,
    ['program', 'median ms', 'msg/s', 'min..max ms', 'vs floor', 'vs Map node'],
    PROGRAMS.map((p) => [
      p.label,
      median(wall[p.key]).toFixed(0),
      formatCount(rate(p.key)),
      `${Math.min(...wall[p.key]).toFixed(0)}..${Math.max(...wall[p.key]).toFixed(0)}`,
      `${((100 * rate(p.key)) / floor).toFixed(1)}%`,
      formatRatio(rate(p.key) / map),
    ]),
  );
  process.stdout.write(`\nkeepwatch output byte-identical to the Map node's: ${identical ? 'YES' : 'NO'} (${formatCount(replyLines)} reply lines for ${formatCount(messages)} requests)\n`);
  const targets = [
    { target: 'keepwatch >= 60% of the floor', value: `${((100 * kw) / floor).toFixed(1)}%`, met: kw >= 0.6 * floor },
    { target: 'keepwatch above the Map node', value: formatRatio(kw / map), met: kw > map },
    { target: 'output byte-identical to the Map node', value: identical ? 'yes' : 'no', met: identical === true },
  ];
  printTable('Issue 2 node throughput targets (same run)', ['target', 'measured', 'verdict'], targets.map((t) => [t.target, t.value, passFail(t.met)]));

  const path = writeResultsJson(quick ? 'node-throughput-quick' : 'node-throughput', {
    input: { ...shape, messages },
    runs,
    wallMs: wall,
    messagesPerSecond: { floor, map, keepwatch: kw },
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
