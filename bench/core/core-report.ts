/**
 * `bench:core`'s output: per-profile latency tables, then the figures and
 * the issue's targets with one column per profile, the results JSON and the
 * chart (each group and row names its profile).
 */
import { formatBytes, formatNs, formatRatio, passFail, printTable, writeLatencyChart, writeResultsJson, type ChartGroup } from '../lib/index.js';
import { SWEEP_STEP_LIMIT } from '../../src/monitor/live-monitor.js';
import { HEARTBEAT_ORDERS, IMPL_LABELS, IMPLS, SCENARIO_KEYS, SCENARIO_TITLES, type MassFigures, type MassOnlyResult, type ProfileFigures, type ProfileResult } from './profile-run.js';
import type { MemoryPerClient } from './memory-probe.js';
import { PROFILE_SUMMARIES } from './profiles.js';

export interface Target {
  target: string;
  value: string;
  met: boolean;
  /** The number the target is judged on (a ratio, ns or bytes): orders the rounds for the spread. */
  figure: number;
}

/** The targets of issues 2 and 7, figures from one profile's run (its medians, or one round's). */
export function targetsOf(r: ProfileFigures): Target[] {
  const { a, b, c } = r.sweeps;
  const hb = r.heartbeat.shuffled;
  const churn = r.churnHeartbeatsPer100k;
  const ratio = (target: string, figure: number, goal: number): Target => ({ target, value: formatRatio(figure), met: figure >= goal, figure });
  return [
    ratio('(a) nothing due, caches cold: p99 >= 1000x faster than Map', a.map.p99 / a.keepwatch.p99, 1000),
    ratio('(b) churn: sweep p99 >= 20x faster than Map', b.map.p99 / b.keepwatch.p99, 20),
    ratio('(c) 1% due: p50 >= 10x faster than Map', c.map.p50 / c.keepwatch.p50, 10),
    ratio('(c) 1% due: p50 >= 3x faster than lazy heap', c.heap.p50 / c.keepwatch.p50, 3),
    ...massTargetsOf(r.massExpiry, r.memory).slice(0, 2),
    { target: 'heartbeat by handle, random order <= 50 ns (p50)', value: formatNs(hb.byHandle.p50), met: hb.byHandle.p50 <= 50, figure: hb.byHandle.p50 },
    {
      target: 'heartbeat by id <= Map lookup+update (p50)',
      value: `${formatNs(hb.byClientId.p50)} vs ${formatNs(hb.mapLookupUpdate.p50)}`,
      met: hb.byClientId.p50 <= hb.mapLookupUpdate.p50,
      figure: hb.byClientId.p50 / hb.mapLookupUpdate.p50,
    },
    {
      target: "(b) time in 100k heartbeats <= 1.2x the Map's",
      value: `${formatRatio(churn.keepwatch / churn.map)} (${formatNs(churn.keepwatch)})`,
      met: churn.keepwatch <= 1.2 * churn.map,
      figure: churn.keepwatch / churn.map,
    },
    ...massTargetsOf(r.massExpiry, r.memory).slice(2),
  ];
}

/** The targets a mass expiry and the memory probe decide: total vs Map, longest step, then memory (two). */
function massTargetsOf(mass: MassFigures, memory: readonly MemoryPerClient[]): Target[] {
  const kwMem = memory[0];
  const ratio = mass.map.totalNs / mass.keepwatch.totalNs;
  return [
    { target: '(d) mass expiry: total >= 2x faster than Map', value: formatRatio(ratio), met: ratio >= 2, figure: ratio },
    { target: '(d) mass expiry: longest step <= 5 ms', value: formatNs(mass.keepwatch.longestPauseNs), met: mass.keepwatch.longestPauseNs <= 5e6, figure: mass.keepwatch.longestPauseNs },
    { target: 'memory <= 64 B/client in SharedArrayBuffers', value: formatBytes(kwMem.shared), met: kwMem.shared <= 64, figure: kwMem.shared },
    { target: 'memory <= 200 B/client all told', value: formatBytes(kwMem.allTold), met: kwMem.allTold <= 200, figure: kwMem.allTold },
  ];
}

/** The lowest and highest of one target over the rounds, as their values ("-" with one round). */
function spreadOf(perRound: readonly Target[]): string {
  if (perRound.length < 2) return '-';
  const sorted = [...perRound].sort((x, y) => x.figure - y.figure);
  return `${sorted[0].value} .. ${sorted[sorted.length - 1].value}`;
}


function printProfile(r: ProfileResult, n: number, rounds: number): void {
  const rows: string[][] = [];
  for (const key of SCENARIO_KEYS) {
    const kw = r.sweeps[key].keepwatch;
    for (const impl of IMPLS) {
      const s = r.sweeps[key][impl];
      rows.push([`${SCENARIO_TITLES[key].slice(0, 3)} ${IMPL_LABELS[impl]}`, String(s.count), formatNs(s.p50), formatNs(s.p99), formatNs(s.p999), formatNs(s.max)]);
      if (impl !== 'keepwatch') {
        rows.push([`${SCENARIO_TITLES[key].slice(0, 3)}   ${impl} / keepwatch`, '', formatRatio(s.p50 / kw.p50), formatRatio(s.p99 / kw.p99), formatRatio(s.p999 / kw.p999), formatRatio(s.max / kw.max)]);
      }
    }
  }
  printTable(`[${r.profile}] sweep latency, ${n.toLocaleString('en-US')} clients (median of ${rounds} round(s))`, ['scenario / implementation', 'count', 'p50', 'p99', 'p99.9', 'max'], rows);
  printMass(r.profile, r.massExpiry);
  const HB = [['byClientId', 'keepwatch by client_id'], ['byHandle', 'keepwatch by handle'], ['mapLookupUpdate', 'Map lookup + update']] as const;
  printTable(`[${r.profile}] heartbeat cost per call (batch means of 1000 calls)`, ['operation', 'order', 'p50', 'p99', 'max'], HEARTBEAT_ORDERS.flatMap((order) =>
    HB.map(([key, label]) => [label, order, formatNs(r.heartbeat[order][key].p50), formatNs(r.heartbeat[order][key].p99), formatNs(r.heartbeat[order][key].max)]),
  ));
  printMemory(r.profile, r.memory);
}

function printMass(profile: string, mass: MassFigures): void {
  printTable(`[${profile}] ${SCENARIO_TITLES.d}; keepwatch in steps of at most ${SWEEP_STEP_LIMIT} clients, as the live monitor`, ['implementation', 'expired', 'sweeps', 'total', 'longest step', 'longest on a core'], IMPLS.map((impl) => {
    const m = mass[impl];
    return [IMPL_LABELS[impl], String(m.expired), String(m.sweeps), formatNs(m.totalNs), formatNs(m.longestPauseNs), formatNs(m.longestPauseCpuNs)];
  }));
}

function printMemory(profile: string, memory: readonly MemoryPerClient[]): void {
  printTable(`[${profile}] memory per client (deltas after gc)`, ['implementation', 'SharedArrayBuffers', 'SAB per slot', 'heapUsed', 'arrayBuffers', 'all told'], memory.map((m) => [
    m.implementation, formatBytes(m.shared), formatBytes(m.sharedPerSlot), formatBytes(m.heapUsed), formatBytes(m.arrayBuffers), formatBytes(m.allTold),
  ]));
}

/** Prints the per-target table: one median and one spread column per profile. */
function printTargets(title: string, profiles: readonly string[], targets: readonly Target[][], roundTargets: readonly Target[][][]): void {
  printTable(title, ['target', ...profiles.flatMap((p) => [p, 'spread'])], targets[0].map((t, k) => [
    t.target,
    ...targets.flatMap((list, p) => [`${list[k].value} ${passFail(list[k].met)}`, spreadOf(roundTargets[p].map((round) => round[k]))]),
  ]));
}

/** `--mass-only`: the mass expiry and memory tables and their targets (a million clients in minutes, not hours). */
export function reportMassOnly(results: readonly MassOnlyResult[], settings: { clients: number; rounds: number; quick: boolean }): void {
  for (const r of results) {
    printMass(r.profile, r.massExpiry);
    printMemory(r.profile, r.memory);
  }
  printTargets(
    `Issue 7 targets for ${settings.clients.toLocaleString('en-US')} clients (medians of ${settings.rounds} round(s); spread: lowest .. highest round)`,
    results.map((r) => r.profile),
    results.map((r) => massTargetsOf(r.massExpiry, r.memory)),
    results.map((r) => r.perRound.map((mass) => massTargetsOf(mass, r.memory))),
  );
  for (const r of results) process.stdout.write(`  ${r.profile}: ${PROFILE_SUMMARIES[r.profile]}\n`);
  const json = writeResultsJson(settings.quick ? 'core-mass-expiry-quick' : 'core-mass-expiry', {
    clients: settings.clients,
    rounds: settings.rounds,
    unit: 'ns',
    stepLimit: SWEEP_STEP_LIMIT,
    profiles: Object.fromEntries(results.map((r) => [r.profile, { description: PROFILE_SUMMARIES[r.profile], ...r, targets: massTargetsOf(r.massExpiry, r.memory) }])),
  });
  process.stderr.write(`wrote ${json}\n`);
}

export function reportCore(results: readonly ProfileResult[], settings: { clients: number; rounds: number; quick: boolean }): void {
  const { clients: n, rounds, quick } = settings;
  for (const r of results) printProfile(r, n, rounds);

  const side = (label: string, cell: (r: ProfileResult) => string): string[] => [label, ...results.map(cell)];
  printTable(`Profiles side by side, ${n.toLocaleString('en-US')} clients`, ['figure', ...results.map((r) => r.profile)], [
    side('(a) nothing due p99: keepwatch', (r) => formatNs(r.sweeps.a.keepwatch.p99)),
    side('(a) nothing due p99: Map / keepwatch', (r) => formatRatio(r.sweeps.a.map.p99 / r.sweeps.a.keepwatch.p99)),
    side('(b) churn p99: Map / keepwatch', (r) => formatRatio(r.sweeps.b.map.p99 / r.sweeps.b.keepwatch.p99)),
    side('(c) 1% due p50: keepwatch', (r) => formatNs(r.sweeps.c.keepwatch.p50)),
    side('(c) 1% due p50: Map / keepwatch', (r) => formatRatio(r.sweeps.c.map.p50 / r.sweeps.c.keepwatch.p50)),
    side('(c) 1% due p50: lazy heap / keepwatch', (r) => formatRatio(r.sweeps.c.heap.p50 / r.sweeps.c.keepwatch.p50)),
    side('(d) mass expiry: keepwatch total', (r) => formatNs(r.massExpiry.keepwatch.totalNs)),
    side('(d) mass expiry: Map / keepwatch', (r) => formatRatio(r.massExpiry.map.totalNs / r.massExpiry.keepwatch.totalNs)),
    side('(d) mass expiry: longest keepwatch step', (r) => formatNs(r.massExpiry.keepwatch.longestPauseNs)),
    side('(d) mass expiry: longest keepwatch step on a core', (r) => formatNs(r.massExpiry.keepwatch.longestPauseCpuNs)),
    side('heartbeat by handle, random order (p50)', (r) => formatNs(r.heartbeat.shuffled.byHandle.p50)),
    side('heartbeat by id / Map lookup+update (p50)', (r) => formatRatio(r.heartbeat.shuffled.byClientId.p50 / r.heartbeat.shuffled.mapLookupUpdate.p50)),
    side('(b) 100k heartbeats: keepwatch / Map', (r) => formatRatio(r.churnHeartbeatsPer100k.keepwatch / r.churnHeartbeatsPer100k.map)),
    side('memory: SAB / all told per client', (r) => `${formatBytes(r.memory[0].shared)} / ${formatBytes(r.memory[0].allTold)}`),
  ]);
  const targets = results.map(targetsOf);
  const roundTargets = results.map((r) => r.perRound.map(targetsOf));
  printTargets(`Issue 7 core targets (medians of ${rounds} round(s) of this run; spread: lowest .. highest round)`, results.map((r) => r.profile), targets, roundTargets);
  for (const r of results) process.stdout.write(`  ${r.profile}: ${PROFILE_SUMMARIES[r.profile]}\n`);

  const name = quick ? 'core-sweeps-quick' : 'core-sweeps';
  const json = writeResultsJson(name, {
    clients: n,
    rounds,
    unit: 'ns',
    scenarios: SCENARIO_TITLES,
    profiles: Object.fromEntries(results.map((r, k) => [r.profile, { description: PROFILE_SUMMARIES[r.profile], ...r, targets: targets[k] }])),
  });
  const groups: ChartGroup[] = results.flatMap((r) => [
    ...SCENARIO_KEYS.map((key) => ({
      scenario: `[${r.profile}] ${SCENARIO_TITLES[key]}`,
      series: IMPLS.map((impl) => ({ implementation: IMPL_LABELS[impl], ...r.sweeps[key][impl] })),
    })),
    {
      scenario: `[${r.profile}] ${SCENARIO_TITLES.d}: total`,
      series: IMPLS.map((impl) => {
        const ns = r.massExpiry[impl].totalNs;
        return { implementation: IMPL_LABELS[impl], p50: ns, p99: ns, p999: ns, max: ns };
      }),
    },
  ]);
  const svg = writeLatencyChart(name, `Core sweeps, ${n.toLocaleString('en-US')} clients, by traffic profile`, groups);
  process.stderr.write(`wrote ${json} and ${svg}\n`);
}
