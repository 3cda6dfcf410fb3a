/**
 * One profile's worth of `bench:core`: scenarios (a)-(d) for keepwatch, the
 * Map scan and the lazy heap, rounds of each, every sweep's expired set
 * checked identical across the three; heartbeat costs; memory per client.
 */
import { SWEEP_STEP_LIMIT } from '../../src/monitor/live-monitor.js';
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

/**
 * The subject of one implementation. In a mass expiry keepwatch steps as
 * the live monitor does (at most SWEEP_STEP_LIMIT clients per synchronous
 * step); the baselines hand everything out in one call.
 */
const subjectOf = (impl: Impl, stepLimit = Infinity): SweepSubject =>
  ({ keepwatch: () => keepwatchSubject(1, stepLimit), map: mapSubject, heap: lazyHeapSubject })[impl]();

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

/** The figures of one profile: medians over the rounds, or one round's own. */
export interface ProfileFigures {
  profile: ProfileName;
  sweeps: Record<ScenarioKey, Record<Impl, LatencySummary>>;
  /** Time spent recording heartbeats in (b), per 100,000 heartbeats (ns). */
  churnHeartbeatsPer100k: Record<Impl, number>;
  massExpiry: MassFigures;
  heartbeat: Record<HeartbeatOrder, Record<keyof HeartbeatCosts, LatencySummary>>;
  memory: MemoryPerClient[];
}

/** A profile's medians, and each round's figures (the spread behind the medians). */
export interface ProfileResult extends ProfileFigures {
  perRound: ProfileFigures[];
}

/** What one round measured. */
interface Round {
  sweeps: Record<ScenarioKey, Record<Impl, SweepScenarioResult>>;
  mass: Record<Impl, MassExpiryResult>;
  heartbeat: Record<HeartbeatOrder, HeartbeatCosts>;
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
  const measured: Round[] = [];
  for (let round = 1; round <= rounds; round++) {
    const sweeps = {} as Round['sweeps'];
    for (const key of SCENARIO_KEYS) {
      const results = {} as Record<Impl, SweepScenarioResult>;
      for (const impl of IMPLS) {
        progress(`[${profile}] round ${round}/${rounds} ${SCENARIO_TITLES[key]}: ${impl}`);
        results[impl] = await runScenario(key, subjectOf(impl), population, sweepsFor(key, impl, quick));
      }
      assertSameExpiries(`[${profile}] ${SCENARIO_TITLES[key]}`, logsOf(results, false));
      sweeps[key] = results;
    }
    const mass = await measureMass(population, `round ${round}/${rounds}`);
    progress(`[${profile}] round ${round}/${rounds} heartbeat cost`);
    const heartbeat = {} as Round['heartbeat'];
    for (const order of HEARTBEAT_ORDERS) heartbeat[order] = measureHeartbeats(population, quick ? 2 : 10, order);
    measured.push({ sweeps, mass, heartbeat });
  }
  const memory = await measureMemory(profile, n);
  return { ...figuresOf(profile, measured, memory), perRound: measured.map((round) => figuresOf(profile, [round], memory)) };
}

/**
 * Smaller mass expiries run first, untimed, so that the walk and the release
 * path are JIT-compiled (it takes V8 a few runs to settle) before the one
 * that counts; every implementation gets the same.
 */
const MASS_WARM_UP_CLIENTS = 20_000;
const MASS_WARM_UPS = 3;

/** (d) for the three implementations, their expiries checked identical. */
async function measureMass(population: Population, roundLabel: string): Promise<Record<Impl, MassExpiryResult>> {
  const { profile, n } = population;
  const warmUp = makePopulation(profile, Math.min(n, MASS_WARM_UP_CLIENTS));
  const mass = {} as Record<Impl, MassExpiryResult>;
  for (const impl of IMPLS) {
    progress(`[${profile}] ${roundLabel} ${SCENARIO_TITLES.d}: ${impl}`);
    for (let k = 0; k < MASS_WARM_UPS; k++) await massExpiry(subjectOf(impl, SWEEP_STEP_LIMIT), warmUp);
    mass[impl] = await massExpiry(subjectOf(impl, SWEEP_STEP_LIMIT), population);
    if (mass[impl].expired !== n) throw new Error(`[${profile}] mass expiry: ${impl} expired ${mass[impl].expired} of ${n}`);
  }
  assertSameExpiries(`[${profile}] ${SCENARIO_TITLES.d}`, logsOf(mass, true));
  return mass;
}

async function measureMemory(profile: ProfileName, n: number): Promise<MemoryPerClient[]> {
  progress(`[${profile}] memory per client (fresh processes with --expose-gc)`);
  const probeScript = new URL('./memory-probe.js', import.meta.url);
  const memory: MemoryPerClient[] = [];
  // One at a time: two probes of a million clients side by side would compete for memory and cores.
  for (const impl of ['keepwatch', 'map']) memory.push(await runJsonChild<MemoryPerClient>(probeScript, ['--expose-gc'], [impl, String(n), profile]));
  return memory;
}

export type MassFigures = Record<Impl, { totalNs: number; longestPauseNs: number; longestPauseCpuNs: number; sweeps: number; expired: number }>;

/** `--mass-only`: (d) and memory, the figures a million clients are judged on. */
export interface MassOnlyResult {
  profile: ProfileName;
  massExpiry: MassFigures;
  perRound: MassFigures[];
  memory: MemoryPerClient[];
}

export async function runMassOnly(profile: ProfileName, settings: ProfileSettings): Promise<MassOnlyResult> {
  const population = makePopulation(profile, settings.clients);
  const measured: Array<Record<Impl, MassExpiryResult>> = [];
  for (let round = 1; round <= settings.rounds; round++) measured.push(await measureMass(population, `round ${round}/${settings.rounds}`));
  const memory = await measureMemory(profile, settings.clients);
  return { profile, massExpiry: massFiguresOf(measured), perRound: measured.map((round) => massFiguresOf([round])), memory };
}

function massFiguresOf(rounds: ReadonlyArray<Record<Impl, MassExpiryResult>>): MassFigures {
  const massMedian = (impl: Impl, k: 'totalNs' | 'longestPauseNs' | 'longestPauseCpuNs' | 'sweeps' | 'expired'): number => median(rounds.map((r) => r[impl][k]));
  const of = (impl: Impl) => ({
    totalNs: massMedian(impl, 'totalNs'),
    longestPauseNs: massMedian(impl, 'longestPauseNs'),
    longestPauseCpuNs: massMedian(impl, 'longestPauseCpuNs'),
    sweeps: massMedian(impl, 'sweeps'),
    expired: massMedian(impl, 'expired'),
  });
  return { keepwatch: of('keepwatch'), map: of('map'), heap: of('heap') };
}

/** Every figure as the median over `rounds`. */
function figuresOf(profile: ProfileName, rounds: readonly Round[], memory: MemoryPerClient[]): ProfileFigures {
  const perImpl = <T>(f: (impl: Impl) => T): Record<Impl, T> => ({ keepwatch: f('keepwatch'), map: f('map'), heap: f('heap') });
  const per100k = (impl: Impl): number =>
    median(rounds.map(({ sweeps: { b } }) => (b[impl].heartbeats && b[impl].heartbeats.count > 0 ? (b[impl].heartbeats.totalNs * 100_000) / b[impl].heartbeats.count : NaN)));
  const heartbeatMedian = (order: HeartbeatOrder, k: keyof HeartbeatCosts): LatencySummary => medianSummary(rounds.map((r) => r.heartbeat[order][k]));
  return {
    profile,
    sweeps: Object.fromEntries(SCENARIO_KEYS.map((k) => [k, perImpl((impl) => medianSummary(rounds.map((r) => r.sweeps[k][impl].sweep)))])) as Record<ScenarioKey, Record<Impl, LatencySummary>>,
    churnHeartbeatsPer100k: perImpl(per100k),
    massExpiry: massFiguresOf(rounds.map((r) => r.mass)),
    heartbeat: Object.fromEntries(
      HEARTBEAT_ORDERS.map((order) => [order, {
        byClientId: heartbeatMedian(order, 'byClientId'),
        byHandle: heartbeatMedian(order, 'byHandle'),
        mapLookupUpdate: heartbeatMedian(order, 'mapLookupUpdate'),
      }]),
    ) as Record<HeartbeatOrder, Record<keyof HeartbeatCosts, LatencySummary>>,
    memory,
  };
}
