/**
 * One profile's worth of `bench:core`: scenarios (a)-(d) for keepwatch, the
 * Map scan and the lazy heap, rounds of each, every sweep's expired set
 * checked identical across the three; heartbeat costs; memory per client.
 */
import { median, medianSummary, progress, type LatencySummary } from '../lib/index.js';
import { runJsonChild } from './child-process.js';
import { assertSameExpiries, type ExpiryLog } from './expiry-log.js';
import { measureHeartbeats, type HeartbeatCosts, type HeartbeatOrder } from './heartbeat-cost.js';
import type { MemoryPerClient } from './memory-probe.js';
import { makePopulation, type Population, type ProfileName } from './profiles.js';
import { heartbeatChurn, massExpiry, nothingDue, onePercentDue, type MassExpiryResult, type SweepScenarioResult } from './scenarios.js';
import { keepwatchSubject, lazyHeapSubject, mapSubject, type SweepSubject } from './sweep-subject.js';

export const IMPLS = ['keepwatch', 'map', 'heap'] as const;
export type Impl = (typeof IMPLS)[number];
export const IMPL_LABELS: Record<Impl, string> = {
  keepwatch: 'keepwatch (1 shard)',
  map: 'Map scanned per sweep',
  heap: 'binary heap, lazy re-keying',
};
export const HEARTBEAT_ORDERS: readonly HeartbeatOrder[] = ['shuffled', 'registration'];

const subjectOf = (impl: Impl): SweepSubject => ({ keepwatch: () => keepwatchSubject(1), map: mapSubject, heap: lazyHeapSubject })[impl]();

export const SCENARIO_KEYS = ['a', 'b', 'c'] as const;
export type ScenarioKey = (typeof SCENARIO_KEYS)[number];
export const SCENARIO_TITLES: Record<ScenarioKey | 'd', string> = {
  a: '(a) nothing due (caches evicted between sweeps)',
  b: '(b) heartbeat churn, nothing due',
  c: '(c) ~1% due per sweep',
  d: '(d) mass expiry (all due at once)',
};
/** Sweeps per scenario: the Map scan is ~1 ms a sweep at 100k, so it gets fewer (percentiles need no equal counts). */
const SWEEPS: Record<ScenarioKey, { fast: number; scan: number }> = {
  a: { fast: 20_000, scan: 2_000 },
  b: { fast: 5_000, scan: 2_000 },
  c: { fast: 1_000, scan: 1_000 },
};

export interface ProfileSettings {
  clients: number;
  rounds: number;
  quick: boolean;
}

export interface ProfileResult {
  profile: ProfileName;
  sweeps: Record<ScenarioKey, Record<Impl, LatencySummary>>;
  /** Time spent recording heartbeats in (b), per 100,000 heartbeats (ns). */
  churnHeartbeatsPer100k: Record<Impl, number>;
  massExpiry: Record<Impl, { totalNs: number; longestPauseNs: number; sweeps: number; expired: number }>;
  heartbeat: Record<HeartbeatOrder, Record<keyof HeartbeatCosts, LatencySummary>>;
  memory: MemoryPerClient[];
}

function sweepsFor(key: ScenarioKey, impl: Impl, quick: boolean): number {
  const count = impl === 'map' ? SWEEPS[key].scan : SWEEPS[key].fast;
  return quick ? Math.max(100, Math.floor(count / 10)) : count;
}

const runScenario = (key: ScenarioKey, subject: SweepSubject, population: Population, sweeps: number): Promise<SweepScenarioResult> =>
  ({ a: nothingDue, b: heartbeatChurn, c: onePercentDue })[key](subject, population, sweeps);

const logsOf = (results: Record<Impl, { log: ExpiryLog }>, merge: boolean): Array<[string, ExpiryLog]> =>
  IMPLS.map((impl) => [IMPL_LABELS[impl], merge ? results[impl].log.merged() : results[impl].log]);

export async function runProfile(profile: ProfileName, settings: ProfileSettings): Promise<ProfileResult> {
  const { clients: n, rounds, quick } = settings;
  const population = makePopulation(profile, n);
  const sweepRounds = Object.fromEntries(SCENARIO_KEYS.map((k) => [k, { keepwatch: [], map: [], heap: [] }])) as unknown as Record<ScenarioKey, Record<Impl, SweepScenarioResult[]>>;
  const massRounds: Record<Impl, MassExpiryResult[]> = { keepwatch: [], map: [], heap: [] };
  const heartbeatRounds: Record<HeartbeatOrder, HeartbeatCosts[]> = { shuffled: [], registration: [] };

  for (let round = 1; round <= rounds; round++) {
    for (const key of SCENARIO_KEYS) {
      const results = {} as Record<Impl, SweepScenarioResult>;
      for (const impl of IMPLS) {
        progress(`[${profile}] round ${round}/${rounds} ${SCENARIO_TITLES[key]}: ${impl}`);
        results[impl] = await runScenario(key, subjectOf(impl), population, sweepsFor(key, impl, quick));
        sweepRounds[key][impl].push(results[impl]);
      }
      assertSameExpiries(`[${profile}] ${SCENARIO_TITLES[key]}`, logsOf(results, false));
    }
    const mass = {} as Record<Impl, MassExpiryResult>;
    for (const impl of IMPLS) {
      progress(`[${profile}] round ${round}/${rounds} ${SCENARIO_TITLES.d}: ${impl}`);
      mass[impl] = await massExpiry(subjectOf(impl), population);
      if (mass[impl].expired !== n) throw new Error(`[${profile}] mass expiry: ${impl} expired ${mass[impl].expired} of ${n}`);
      massRounds[impl].push(mass[impl]);
    }
    assertSameExpiries(`[${profile}] ${SCENARIO_TITLES.d}`, logsOf(mass, true));
    progress(`[${profile}] round ${round}/${rounds} heartbeat cost`);
    for (const order of HEARTBEAT_ORDERS) heartbeatRounds[order].push(measureHeartbeats(population, quick ? 2 : 10, order));
  }
  progress(`[${profile}] memory per client (fresh processes with --expose-gc)`);
  const probeScript = new URL('./memory-probe.js', import.meta.url);
  const memory: MemoryPerClient[] = [];
  // One at a time: two probes of a million clients side by side would compete for memory and cores.
  for (const impl of ['keepwatch', 'map']) memory.push(await runJsonChild<MemoryPerClient>(probeScript, ['--expose-gc'], [impl, String(n), profile]));

  const perImpl = <T>(f: (impl: Impl) => T): Record<Impl, T> => ({ keepwatch: f('keepwatch'), map: f('map'), heap: f('heap') });
  const per100k = (impl: Impl): number =>
    median(sweepRounds.b[impl].map((r) => (r.heartbeats && r.heartbeats.count > 0 ? (r.heartbeats.totalNs * 100_000) / r.heartbeats.count : NaN)));
  return {
    profile,
    sweeps: Object.fromEntries(SCENARIO_KEYS.map((k) => [k, perImpl((impl) => medianSummary(sweepRounds[k][impl].map((r) => r.sweep)))])) as Record<ScenarioKey, Record<Impl, LatencySummary>>,
    churnHeartbeatsPer100k: perImpl(per100k),
    massExpiry: perImpl((impl) => ({
      totalNs: median(massRounds[impl].map((r) => r.totalNs)),
      longestPauseNs: median(massRounds[impl].map((r) => r.longestPauseNs)),
      sweeps: median(massRounds[impl].map((r) => r.sweeps)),
      expired: median(massRounds[impl].map((r) => r.expired)),
    })),
    heartbeat: Object.fromEntries(
      HEARTBEAT_ORDERS.map((order) => [order, {
        byClientId: medianSummary(heartbeatRounds[order].map((r) => r.byClientId)),
        byHandle: medianSummary(heartbeatRounds[order].map((r) => r.byHandle)),
        mapLookupUpdate: medianSummary(heartbeatRounds[order].map((r) => r.mapLookupUpdate)),
      }]),
    ) as Record<HeartbeatOrder, Record<keyof HeartbeatCosts, LatencySummary>>,
    memory,
  };
}
