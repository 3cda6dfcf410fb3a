/**
 * `npm run bench:core`: the core sweep scenarios of issue 2 through the
 * programmatic API (KeepAliveMonitor, time passed in), against a Map
 * scanned in full per sweep, in the same run. Flags: --clients N (100000),
 * --rounds R (3; every figure is the median over rounds), --quick.
 */
import { parseArgs } from 'node:util';
import { clientIds } from './core/client-ids.js';
import { runJsonChild } from './core/child-process.js';
import { measureHeartbeats, type HeartbeatCosts, type HeartbeatOrder } from './core/heartbeat-cost.js';
import type { MemoryPerClient } from './core/memory-probe.js';
import {
  heartbeatChurn,
  massExpiry,
  nothingDue,
  onePercentDue,
  type MassExpiryResult,
  type SweepScenarioResult,
} from './core/scenarios.js';
import { keepwatchSubject, mapSubject, type SweepSubject } from './core/sweep-subject.js';
import {
  formatBytes,
  formatNs,
  formatRatio,
  median,
  medianSummary,
  passFail,
  printTable,
  progress,
  writeLatencyChart,
  writeResultsJson,
  type ChartGroup,
  type LatencySummary,
} from './lib/index.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false },
  },
});
const quick = values.quick ?? false;
const n = quick ? 10_000 : Number(values.clients);
const rounds = quick ? 1 : Number(values.rounds);
const ids = clientIds(n);

type Impl = 'keepwatch' | 'map';
const IMPLS: readonly Impl[] = ['keepwatch', 'map'];
const HEARTBEAT_ORDERS: readonly HeartbeatOrder[] = ['shuffled', 'registration'];
const subjectOf = (impl: Impl): SweepSubject => (impl === 'keepwatch' ? keepwatchSubject(1) : mapSubject());
/** The Map scan is ~1 ms a sweep at 100k: it gets fewer sweeps; percentiles need no equal counts. */
const sweepsFor = (impl: Impl, fast: number, slow: number): number => {
  const count = impl === 'keepwatch' ? fast : slow;
  return quick ? Math.max(100, Math.floor(count / 10)) : count;
};

const SCENARIOS = {
  a: { title: '(a) nothing due', run: (s: SweepSubject, impl: Impl) => nothingDue(s, ids, sweepsFor(impl, 20_000, 2_000)) },
  b: { title: '(b) heartbeat churn (each client every timeout/3), nothing due', run: (s: SweepSubject, impl: Impl) => heartbeatChurn(s, ids, sweepsFor(impl, 5_000, 2_000)) },
  c: { title: '(c) ~1% due per sweep', run: (s: SweepSubject, impl: Impl) => onePercentDue(s, ids, sweepsFor(impl, 1_000, 1_000)) },
} as const;
type ScenarioKey = keyof typeof SCENARIOS;

const sweepRounds: Record<ScenarioKey, Record<Impl, SweepScenarioResult[]>> = {
  a: { keepwatch: [], map: [] },
  b: { keepwatch: [], map: [] },
  c: { keepwatch: [], map: [] },
};
const massRounds: Record<Impl, MassExpiryResult[]> = { keepwatch: [], map: [] };
const heartbeatRounds: Record<HeartbeatOrder, HeartbeatCosts[]> = { shuffled: [], registration: [] };

progress(`core sweeps: ${n.toLocaleString('en-US')} clients, ${rounds} round(s)`);
for (let round = 1; round <= rounds; round++) {
  for (const key of Object.keys(SCENARIOS) as ScenarioKey[]) {
    for (const impl of IMPLS) {
      progress(`round ${round}/${rounds} ${SCENARIOS[key].title}: ${impl}`);
          sweepRounds[key][impl].push(await SCENARIOS[key].run(subjectOf(impl), impl));
    }
  }
  for (const impl of IMPLS) {
    progress(`round ${round}/${rounds} (d) mass expiry: ${impl}`);
      massRounds[impl].push(await massExpiry(subjectOf(impl), ids));
  }
  progress(`round ${round}/${rounds} heartbeat cost`);
  for (const order of HEARTBEAT_ORDERS) heartbeatRounds[order].push(measureHeartbeats(ids, quick ? 2 : 10, order));
}
progress('memory per client (fresh processes with --expose-gc)');
const probeScript = new URL('./core/memory-probe.js', import.meta.url);
const memory = await Promise.all(
  IMPLS.map((impl) => runJsonChild<MemoryPerClient>(probeScript, ['--expose-gc'], [impl, String(n)])),
);

const sweepSummary = (key: ScenarioKey, impl: Impl): LatencySummary =>
  medianSummary(sweepRounds[key][impl].map((r) => r.sweep));
const massTotal = (impl: Impl): number => median(massRounds[impl].map((r) => r.totalNs));
const massPause = (impl: Impl): number => median(massRounds[impl].map((r) => r.longestPauseNs));
const heartbeat = (k: keyof HeartbeatCosts, order: HeartbeatOrder = 'shuffled'): LatencySummary =>
  medianSummary(heartbeatRounds[order].map((r) => r[k]));

// Table: every percentile, with the Map's figure over keepwatch's.
const rows: string[][] = [];
const groups: ChartGroup[] = [];
for (const key of Object.keys(SCENARIOS) as ScenarioKey[]) {
  const kw = sweepSummary(key, 'keepwatch');
  const map = sweepSummary(key, 'map');
  groups.push({
    scenario: SCENARIOS[key].title,
    series: [
      { implementation: 'keepwatch (1 shard)', ...kw },
      { implementation: 'Map scanned per sweep', ...map },
    ],
  });
  for (const [label, s] of [['keepwatch', kw], ['Map scan', map]] as const) {
    rows.push([`${SCENARIOS[key].title.slice(0, 3)} ${label}`, String(s.count), formatNs(s.p50), formatNs(s.p99), formatNs(s.p999), formatNs(s.max)]);
  }
  rows.push([`${SCENARIOS[key].title.slice(0, 3)} Map / keepwatch`, '', formatRatio(map.p50 / kw.p50), formatRatio(map.p99 / kw.p99), formatRatio(map.p999 / kw.p999), formatRatio(map.max / kw.max)]);
}
printTable(`Sweep latency, ${n.toLocaleString('en-US')} clients (median of ${rounds} round(s); sweeps per round in 'count')`, ['scenario / implementation', 'count', 'p50', 'p99', 'p99.9', 'max'], rows);
for (const key of Object.keys(SCENARIOS) as ScenarioKey[]) process.stdout.write(`  ${SCENARIOS[key].title}\n`);

printTable(`(d) mass expiry: all ${n.toLocaleString('en-US')} due in one sweep (median of ${rounds})`, ['implementation', 'expired', 'total', 'longest pause'], [
  ['keepwatch', String(massRounds.keepwatch[0].expired), formatNs(massTotal('keepwatch')), formatNs(massPause('keepwatch'))],
  ['Map scan', String(massRounds.map[0].expired), formatNs(massTotal('map')), formatNs(massPause('map'))],
  ['Map / keepwatch', '', formatRatio(massTotal('map') / massTotal('keepwatch')), formatRatio(massPause('map') / massPause('keepwatch'))],
]);
groups.push({
  scenario: '(d) mass expiry (one sweep)',
  series: IMPLS.map((impl) => {
    const ns = massRounds[impl].map((r) => r.totalNs);
    return { implementation: impl === 'keepwatch' ? 'keepwatch (1 shard)' : 'Map scanned per sweep', p50: median(ns), p99: Math.max(...ns), p999: Math.max(...ns), max: Math.max(...ns) };
  }),
});

const hbId = heartbeat('byClientId');
const hbHandle = heartbeat('byHandle');
const hbMap = heartbeat('mapLookupUpdate');
const HEARTBEAT_ROWS = [
  ['byClientId', 'keepwatch by client_id'],
  ['byHandle', 'keepwatch by handle'],
  ['mapLookupUpdate', 'Map lookup + update'],
] as const;
printTable('Heartbeat cost per call (means of batches of 1000 calls)', ['operation', 'order', 'p50', 'p99', 'max'], HEARTBEAT_ORDERS.flatMap((order) =>
  HEARTBEAT_ROWS.map(([key, label]) => {
    const s = heartbeat(key, order);
    return [label, order, formatNs(s.p50), formatNs(s.p99), formatNs(s.max)];
  }),
));
printTable(`Memory per client (${n.toLocaleString('en-US')} clients, deltas after gc)`, ['implementation', 'SharedArrayBuffers', 'SAB per slot', 'heapUsed', 'external', 'arrayBuffers', 'all told'], memory.map((m) => [
  m.implementation, formatBytes(m.shared), formatBytes(m.sharedPerSlot), formatBytes(m.heapUsed), formatBytes(m.external), formatBytes(m.arrayBuffers), formatBytes(m.allTold),
]));

const kwMem = memory[0];
const a = { kw: sweepSummary('a', 'keepwatch'), map: sweepSummary('a', 'map') };
const b = { kw: sweepSummary('b', 'keepwatch'), map: sweepSummary('b', 'map') };
const c = { kw: sweepSummary('c', 'keepwatch'), map: sweepSummary('c', 'map') };
const targets = [
  { target: '(a) nothing due: p99 <= 1 µs', value: formatNs(a.kw.p99), met: a.kw.p99 <= 1_000 },
  { target: '(a) nothing due: >= 1000x faster than Map (p99)', value: formatRatio(a.map.p99 / a.kw.p99), met: a.map.p99 / a.kw.p99 >= 1000 },
  { target: '(b) churn: sweep p99 >= 20x faster than Map', value: formatRatio(b.map.p99 / b.kw.p99), met: b.map.p99 / b.kw.p99 >= 20 },
  { target: '(c) 1% due: sweep p50 >= 10x faster than Map', value: formatRatio(c.map.p50 / c.kw.p50), met: c.map.p50 / c.kw.p50 >= 10 },
  { target: '(d) mass expiry: total >= 2x faster than Map', value: formatRatio(massTotal('map') / massTotal('keepwatch')), met: massTotal('map') / massTotal('keepwatch') >= 2 },
  { target: 'heartbeat by handle <= 50 ns (p50)', value: formatNs(hbHandle.p50), met: hbHandle.p50 <= 50 },
  { target: 'heartbeat by client_id <= Map lookup+update (p50)', value: `${formatNs(hbId.p50)} vs ${formatNs(hbMap.p50)}`, met: hbId.p50 <= hbMap.p50 },
  { target: 'memory: <= 64 B/client in SharedArrayBuffers', value: `${formatBytes(kwMem.shared)} (${formatBytes(kwMem.sharedPerSlot)}/slot)`, met: kwMem.shared <= 64 },
  { target: 'memory: <= 200 B/client all told', value: formatBytes(kwMem.allTold), met: kwMem.allTold <= 200 },
];
printTable('Issue 2 core targets (ratios from this run)', ['target', 'measured', 'verdict'], targets.map((t) => [t.target, t.value, passFail(t.met)]));

const name = quick ? 'core-sweeps-quick' : 'core-sweeps';
const json = writeResultsJson(name, {
  clients: n,
  rounds,
  unit: 'ns',
  sweeps: Object.fromEntries(
    (Object.keys(SCENARIOS) as ScenarioKey[]).map((key) => [key, { title: SCENARIOS[key].title, keepwatch: sweepSummary(key, 'keepwatch'), map: sweepSummary(key, 'map') }]),
  ),
  massExpiry: { keepwatch: { totalNs: massTotal('keepwatch'), longestPauseNs: massPause('keepwatch') }, map: { totalNs: massTotal('map'), longestPauseNs: massPause('map') } },
  heartbeat: Object.fromEntries(HEARTBEAT_ORDERS.map((order) => [order, Object.fromEntries(HEARTBEAT_ROWS.map(([key]) => [key, heartbeat(key, order)]))])),
  memory,
  targets,
});
const svg = writeLatencyChart(name, `Core sweeps, ${n.toLocaleString('en-US')} clients`, groups);
progress(`wrote ${json} and ${svg}`);
