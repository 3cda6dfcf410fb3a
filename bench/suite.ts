/**
 * `npm run bench`: the issue-3 suite. Scenarios (a) nothing due, (b)
 * heartbeat churn, (c) ~1% due per sweep, (d) mass expiry, for 100,000 idle
 * clients (--clients N), for keepwatch in process and on workers (see
 * suite/entries.ts) and for the baselines: a Map scanned per sweep, the ws
 * README pattern, one Node timer per client. Then the mass expiry of
 * 1,000,000 clients (--scale-clients N) with 1 and 2 workers.
 * Every figure is the median over --rounds (default 3). --quick: a small
 * version for CI (no timing is asserted anywhere). --profile
 * uniform|tiers|realistic|all (default all): the traffic profile of the
 * virtual-time entries (core/profiles.ts); each scenario's exact entries
 * must expire the same clients at the same sweeps (the run fails
 * otherwise). The Node timers run on real time with their own fixed
 * shapes, once per run, reported under uniform.
 * Output: tables, bench/results/suite.json, bench/results/suite.svg.
 */
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { clientIds } from './core/client-ids.js';
import { assertSameExpiries, type ExpiryLog } from './core/expiry-log.js';
import { makePopulation, parseProfiles, type Population, type ProfileName } from './core/profiles.js';
import { heartbeatChurn, massExpiry, nothingDue, onePercentDue, type MassExpiryResult, type SweepScenarioResult } from './core/scenarios.js';
import type { SweepSubject } from './core/sweep-subject.js';
import { benchFlags, median, medianSummary, progress, type LatencySummary } from './lib/index.js';
import { MAP_LABEL, SCALE_ENTRIES, SWEEP_ENTRIES, type SuiteEntry } from './suite/entries.js';
import { PauseProbe } from './suite/pause-probe.js';
import { reportSuite, type Row, type ScaleRow } from './suite/report.js';
import { timersArmed, timersChurn, timersMassExpiry, timersOnePercent, type TimerScenarioResult } from './suite/timer-scenarios.js';

const values = benchFlags('npm run bench --', {
  clients: { type: 'string', default: '100000' },
  'scale-clients': { type: 'string', default: '1000000' },
  rounds: { type: 'string', default: '3' },
  profile: { type: 'string', default: 'all' },
  quick: { type: 'boolean', default: false },
});
const quick = values.quick ?? false;
const n = quick ? 5_000 : Number(values.clients);
const scaleN = quick ? 20_000 : Number(values['scale-clients']);
const rounds = quick ? 1 : Number(values.rounds);
const ids = clientIds(n);
const profiles = parseProfiles(values.profile);

export const SCENARIOS = ['a', 'b', 'c', 'd'] as const;
export type Scenario = (typeof SCENARIOS)[number];
export const SCENARIO_TITLES: Record<Scenario, string> = {
  a: '(a) nothing due',
  b: '(b) heartbeat churn, nothing due',
  c: '(c) ~1% due per sweep',
  d: '(d) mass expiry (all due at once)',
};

const SWEEPS: Record<SuiteEntry['pace'], Record<'a' | 'b' | 'c', number>> = {
  fast: { a: 20_000, b: 5_000, c: 1_000 },
  async: { a: 5_000, b: 2_000, c: 500 },
  scan: { a: 1_000, b: 1_000, c: 500 },
};
const sweepsOf = (entry: SuiteEntry, s: 'a' | 'b' | 'c'): number =>
  quick ? Math.max(50, Math.floor(SWEEPS[entry.pace][s] / 20)) : SWEEPS[entry.pace][s];

/** One measurement of one entry in one scenario. */
interface Sample {
  sweep: LatencySummary;
  inWorker?: LatencySummary;
  pauseNs: number;
  expired: number;
  /** What each sweep expired (virtual-time entries only), merged into one for the mass expiry. */
  log?: ExpiryLog;
}

/**
 * In process, a sweep holds the thread for its whole length. On workers the
 * probe saw the pauses, unless the event loop never turned (every sweep
 * stayed on the main thread and settled in microtasks): then the longest
 * end-to-end sweep bounds the pause.
 */
function pauseOf(subject: SweepSubject, longestSweepNs: number): number {
  const probed = subject.pauseNs?.();
  return probed !== undefined && probed > 0 ? probed : longestSweepNs;
}

async function runScenario(entry: SuiteEntry, scenario: Scenario, clients: Population): Promise<Sample> {
  const subject: SweepSubject = entry.make();
  try {
    await subject.warmUp?.();
    if (scenario === 'd') {
      const r: MassExpiryResult = await massExpiry(subject, clients);
      const one = (ns: number): LatencySummary => ({ count: r.sweeps, p50: ns, p99: ns, p999: ns, max: ns, mean: ns });
      return {
        sweep: one(r.totalNs),
        ...(r.inWorkerNs !== undefined ? { inWorker: one(r.inWorkerNs) } : {}),
        pauseNs: pauseOf(subject, r.longestPauseNs),
        expired: r.expired,
        log: r.log.merged(),
      };
    }
    const drive = { a: nothingDue, b: heartbeatChurn, c: onePercentDue }[scenario];
    const r: SweepScenarioResult = await drive(subject, clients, sweepsOf(entry, scenario));
    // In process a sweep holds the thread for its whole length; on workers the probe saw the pauses.
    return { sweep: r.sweep, inWorker: r.inWorker, pauseNs: pauseOf(subject, r.sweep.max), expired: r.expired, log: r.log };
  } finally {
    await subject.close?.();
  }
}

async function runTimers(scenario: Scenario): Promise<Sample> {
  const windowMs = quick ? 200 : 1_000;
  const runs: Record<Scenario, () => Promise<TimerScenarioResult>> = {
    a: () => timersArmed(ids, windowMs),
    b: () => timersChurn(ids, windowMs),
    c: () => timersOnePercent(ids),
    d: () => timersMassExpiry(ids),
  };
  const r = await runs[scenario]();
  return { sweep: r.eventLoopDelay, pauseNs: r.eventLoopDelay.max, expired: r.expired };
}

const TIMERS_LABEL = 'Node timer per client, refresh() (event-loop delay)';
const samples = new Map<string, Sample[]>();
const keyOf = (profile: ProfileName, label: string, scenario: Scenario | 'scale'): string => `${profile}|${label}|${scenario}`;
const add = (key: string, sample: Sample): void => {
  const list = samples.get(key) ?? [];
  list.push(sample);
  samples.set(key, list);
};

/** Runs every entry on one scenario and checks that the exact ones expired the same clients at the same sweeps. */
async function runEntries(profile: ProfileName, entries: readonly SuiteEntry[], scenario: Scenario, population: Population, what: string): Promise<Map<string, Sample>> {
  const out = new Map<string, Sample>();
  for (const entry of entries) {
    progress(`[${profile}] ${what}: ${entry.label}`);
    out.set(entry.label, await runScenario(entry, scenario, population));
  }
  const logs = entries.filter((e) => e.exact).map((e) => [e.label, out.get(e.label)?.log] as const);
  assertSameExpiries(`[${profile}] ${what}`, logs.filter((l): l is readonly [string, ExpiryLog] => l[1] !== undefined));
  return out;
}

progress(`suite: ${n.toLocaleString('en-US')} clients, ${rounds} round(s)${quick ? ' (quick)' : ''}`);
// The pause probe's noise floor: an idle event loop, measured the same way (the machine is shared).
const idleProbe = new PauseProbe();
idleProbe.start();
await sleep(quick ? 200 : 1_000);
const idleLoop = idleProbe.stop();
progress(`idle event loop: delay p99 ${(idleLoop.p99 / 1e6).toFixed(2)} ms, max ${(idleLoop.max / 1e6).toFixed(2)} ms`);
const timersProfile: ProfileName = profiles.includes('uniform') ? 'uniform' : profiles[0];
for (const profile of profiles) {
  const population = makePopulation(profile, n);
  for (let round = 1; round <= rounds; round++) {
    for (const scenario of SCENARIOS) {
      const found = await runEntries(profile, SWEEP_ENTRIES, scenario, population, `round ${round}/${rounds} ${SCENARIO_TITLES[scenario]}`);
      for (const [label, sample] of found) add(keyOf(profile, label, scenario), sample);
      if (profile !== timersProfile) continue;
      progress(`[${profile}] round ${round}/${rounds} ${SCENARIO_TITLES[scenario]}: ${TIMERS_LABEL}`);
      add(keyOf(profile, TIMERS_LABEL, scenario), await runTimers(scenario));
    }
  }
  const scalePopulation = makePopulation(profile, scaleN);
  for (let round = 1; round <= rounds; round++) {
    const found = await runEntries(profile, SCALE_ENTRIES, 'd', scalePopulation, `round ${round}/${rounds} mass expiry of ${scaleN.toLocaleString('en-US')}`);
    for (const [label, sample] of found) add(keyOf(profile, label, 'scale'), sample);
  }
}

const medianOf = (list: readonly Sample[]): Omit<Sample, 'log'> => ({
  sweep: medianSummary(list.map((s) => s.sweep)),
  ...(list[0].inWorker ? { inWorker: medianSummary(list.map((s) => s.inWorker as LatencySummary)) } : {}),
  pauseNs: median(list.map((s) => s.pauseNs)),
  expired: median(list.map((s) => s.expired)),
});

const rows: Row[] = profiles.flatMap((profile) =>
  SCENARIOS.flatMap((scenario) =>
    [...SWEEP_ENTRIES.map((e) => e.label), ...(profile === timersProfile ? [TIMERS_LABEL] : [])].map((label) => ({
      profile,
      scenario,
      title: `[${profile}] ${SCENARIO_TITLES[scenario]}`,
      implementation: label,
      onWorkers: SWEEP_ENTRIES.find((e) => e.label === label)?.onWorkers ?? false,
      eventLoopDelay: label === TIMERS_LABEL,
      ...medianOf(samples.get(keyOf(profile, label, scenario)) ?? []),
    })),
  ),
);
const scaleRows: ScaleRow[] = profiles.flatMap((profile) =>
  SCALE_ENTRIES.map((entry) => ({ profile, implementation: entry.label, ...medianOf(samples.get(keyOf(profile, entry.label, 'scale')) ?? []) })),
);
reportSuite({ quick, clients: n, scaleClients: scaleN, rounds, profiles, rows, scaleRows, mapLabel: MAP_LABEL, idleLoop, loadAverage: os.loadavg() });
