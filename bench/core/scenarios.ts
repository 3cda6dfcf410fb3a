import { LatencyHistogram, settleHeap, type LatencySummary } from '../lib/index.js';
import { CacheEvictor } from './cache-evictor.js';
import { ExpiryLog } from './expiry-log.js';
import { harmonicMeanTimeout, IdSource, indexOfId, type Population } from './profiles.js';
import type { SweepSubject } from './sweep-subject.js';

export interface SweepScenarioResult {
  /** Per sweep; end to end (main thread to result and back) for worker subjects. */
  sweep: LatencySummary;
  /** Per sweep, the time spent in the worker (worker subjects only). */
  inWorker?: LatencySummary;
  /** Clients expired over the measured sweeps. */
  expired: number;
  sweeps: number;
  /** What every sweep (warm-up included) expired, to check implementations against each other. */
  log: ExpiryLog;
  /** Heartbeats recorded between the measured sweeps and the time spent in them (churn only). */
  heartbeats?: { count: number; totalNs: number };
}

export interface MassExpiryResult {
  /** Wall time from the first sweep past the deadline until everyone has expired. */
  totalNs: number;
  /** The longest single sweep call (in process, the thread is held that long). */
  longestPauseNs: number;
  /**
   * The longest single sweep call counted as time on a core: per call the
   * lesser of its wall time and the process's CPU time (user + system, all
   * threads) meanwhile, an upper bound on the calling thread's own work
   * (the process CPU counts GC and compiler threads too; the wall counts
   * time off a core). Beside longestPauseNs it tells a long step from a
   * descheduled one on a loaded machine.
   */
  longestPauseCpuNs: number;
  /** Time in the worker (worker subjects only). */
  inWorkerNs?: number;
  expired: number;
  sweeps: number;
  log: ExpiryLog;
}

/** The histograms a scenario fills: sweep latency, and in-worker time when the subject reports it. */
class SweepRecorder {
  readonly sweep = new LatencyHistogram();
  readonly inWorker = new LatencyHistogram();
  readonly log = new ExpiryLog();

  summary(): Pick<SweepScenarioResult, 'sweep' | 'inWorker' | 'log'> {
    const base = { sweep: this.sweep.summary(), log: this.log };
    return this.inWorker.count > 0 ? { ...base, inWorker: this.inWorker.summary() } : base;
  }
}

/**
 * Times one sweep and logs what it expired. A synchronous subject is timed
 * by one call, with nothing added (no await: a microtask would cost more
 * than the sweep); a subject returning a promise is timed to its settlement.
 * `timed` false: a warm-up sweep, logged but not timed.
 */
function timeSweep(subject: SweepSubject, now: number, rec: SweepRecorder, timed: boolean): number | Promise<number> {
  const start = process.hrtime.bigint();
  const out = subject.sweep(now);
  if (typeof out === 'number') {
    if (timed) rec.sweep.recordNs(Number(process.hrtime.bigint() - start));
    rec.log.record(subject.lastExpired(), out);
    return out;
  }
  return out.then((expired) => {
    if (timed) {
      rec.sweep.recordNs(Number(process.hrtime.bigint() - start));
      // 0: nothing was due, the sweep never left the main thread.
      const workerNs = subject.lastWorkerNs?.() ?? 0;
      if (workerNs > 0) rec.inWorker.recordNs(workerNs);
    }
    rec.log.record(subject.lastExpired(), expired);
    return expired;
  });
}

/** Registers clients `order[from..to)` at `now`, ids from `source`. */
function registerBatch(subject: SweepSubject, population: Population, source: IdSource, order: ArrayLike<number>, now: number): void {
  const ids = source.batch(order);
  for (let k = 0; k < ids.length; k++) subject.register(ids[k], population.timeoutMs[order[k]], now);
}

/**
 * Clients sorted by a registration time, each registered at its time (a
 * monitor's clock only moves forward). Ties keep the population's
 * registration order.
 */
function registerAtTimes(subject: SweepSubject, population: Population, source: IdSource, timeOf: (i: number) => number): void {
  const order = Uint32Array.from(population.registrationOrder);
  const times = new Float64Array(population.n);
  for (let i = 0; i < population.n; i++) times[i] = timeOf(i);
  const sorted = Array.from(order).sort((a, b) => times[a] - times[b]);
  const ids = source.batch(sorted);
  for (let k = 0; k < sorted.length; k++) subject.register(ids[k], population.timeoutMs[sorted[k]], times[sorted[k]]);
}

/**
 * (a) Everyone registered at 0, sweeps at advancing times before the
 * earliest deadline. Between two sweeps, other work evicts the caches:
 * that is the sweep a server pays, not a hot loop's.
 */
export async function nothingDue(subject: SweepSubject, population: Population, sweeps: number): Promise<SweepScenarioResult> {
  registerBatch(subject, population, new IdSource(population), population.registrationOrder, 0);
  const rec = new SweepRecorder();
  const evictor = new CacheEvictor();
  const warm = Math.ceil(sweeps / 10);
  const span = population.minTimeoutMs - 2;
  let expired = 0;
  subject.startPauseProbe?.();
  for (let k = 0; k < warm + sweeps; k++) {
    evictor.evict();
    const now = 1 + Math.floor((k * span) / (warm + sweeps));
    const found = timeSweep(subject, now, rec, k >= warm);
    expired += typeof found === 'number' ? found : await found;
  }
  return { ...rec.summary(), expired, sweeps };
}

/**
 * Every heartbeat of the churn scenario, bucketed by the sweep step it falls
 * in (a counting sort: two Uint32Arrays, one entry per heartbeat). Client i
 * heartbeats at phase_i*period_i + j*period_i; within a step, in order of
 * phase (random, except for uniform's one fixed shuffled order).
 */
function heartbeatCalendar(population: Population, steps: number, stepMs: number): { start: Uint32Array; clients: Uint32Array } {
  const { n, periodMs, phase } = population;
  const byPhase = Array.from({ length: n }, (_, i) => i).sort((a, b) => phase[a] - phase[b]);
  const horizon = steps * stepMs;
  const start = new Uint32Array(steps + 2);
  const forEachBeat = (visit: (step: number, client: number) => void): void => {
    for (const i of byPhase) {
      for (let t = phase[i] * periodMs[i]; t < horizon; t += periodMs[i]) visit(Math.floor(t / stepMs) + 1, i);
    }
  };
  forEachBeat((step) => start[step + 1]++);
  for (let s = 1; s < start.length; s++) start[s] += start[s - 1];
  const clients = new Uint32Array(start[start.length - 1]);
  const fill = start.slice();
  forEachBeat((step, i) => {
    clients[fill[step]++] = i;
  });
  return { start, clients };
}

/**
 * (b) Every client heartbeats at its own period (below its timeout) while a
 * sweep runs every `stepMs`; nobody falls due. Sweeps are timed one by
 * one; each step's heartbeats are timed together (their ids made fresh
 * beforehand, untimed).
 */
export async function heartbeatChurn(subject: SweepSubject, population: Population, sweeps: number, stepMs = 20): Promise<SweepScenarioResult> {
  const source = new IdSource(population);
  registerBatch(subject, population, source, population.registrationOrder, 0);
  const warm = Math.ceil(sweeps / 10);
  const calendar = heartbeatCalendar(population, warm + sweeps, stepMs);
  const rec = new SweepRecorder();
  let expired = 0;
  let beats = 0;
  let beatNs = 0;
  subject.startPauseProbe?.();
  for (let k = 1; k <= warm + sweeps; k++) {
    const now = k * stepMs;
    const ids = source.batch(calendar.clients, calendar.start[k], calendar.start[k + 1]);
    const t0 = process.hrtime.bigint();
    for (let j = 0; j < ids.length; j++) subject.heartbeat(ids[j], now);
    if (k > warm) {
      beatNs += Number(process.hrtime.bigint() - t0);
      beats += ids.length;
    }
    const found = timeSweep(subject, now, rec, k > warm);
    expired += typeof found === 'number' ? found : await found;
  }
  return { ...rec.summary(), expired, sweeps, heartbeats: { count: beats, totalNs: beatNs } };
}

/**
 * (c) About 1% due per sweep, population held at n: a sweep every
 * harmonic-mean-timeout/100 ms; whoever expires re-registers at once
 * (untimed, under a fresh id string) with its own timeout. First deadlines
 * are spread so the state is steady from the first sweep: client i
 * registers at B - T_i + phase_i*T_i (B the longest timeout), so its
 * deadline is uniform over [B, B + T_i]. Uniform keeps the benchmarks'
 * original layout: 100 groups, one every T/100, in id order.
 */
export async function onePercentDue(subject: SweepSubject, population: Population, sweeps: number): Promise<SweepScenarioResult> {
  const source = new IdSource(population);
  const { n, timeoutMs, phase } = population;
  const base = population.maxTimeoutMs;
  const spread = population.profile === 'uniform' ? (i: number): number => Math.floor((i * 100) / n) / 100 : (i: number): number => phase[i];
  registerAtTimes(subject, population, source, (i) => base - timeoutMs[i] + Math.floor(spread(i) * timeoutMs[i]));
  const step = Math.max(1, Math.round(harmonicMeanTimeout(population) / 100));
  subject.startPauseProbe?.();
  const rec = new SweepRecorder();
  const warm = Math.ceil(sweeps / 10);
  let expired = 0;
  for (let k = 0; k < warm + sweeps; k++) {
    const now = base + 1 + k * step;
    const pending = timeSweep(subject, now, rec, k >= warm);
    const found = typeof pending === 'number' ? pending : await pending;
    if (k >= warm) expired += found;
    // Numbers first: re-registering may run a sweep that reuses the subject's buffer.
    const again = subject.lastExpired().slice(0, found).map(indexOfId);
    registerBatch(subject, population, source, again, now);
  }
  return { ...rec.summary(), expired, sweeps };
}

/**
 * (d) Everyone falls due at one instant: client i registers at B - T_i (B
 * the longest timeout; with one timeout, everyone at 0), then sweeps from
 * just past B until all have expired: one sweep for a deadline-driven
 * monitor that hands everything out at once, several for one that hands
 * out bounded batches (steps at the same time while it says `moreDue`, as
 * the live monitor; otherwise each 1 ms later), two interval ticks for the
 * ws pattern (mark, then terminate). `longestPauseNs` is the longest single
 * sweep call: the longest synchronous step. `totalNs` sums the sweep calls
 * (the caller's work between steps is not counted). The heap is settled
 * between registration and the first sweep (lib/settle-heap.ts).
 */
export async function massExpiry(subject: SweepSubject, population: Population, maxSweeps = 10_000): Promise<MassExpiryResult> {
  const base = population.maxTimeoutMs;
  registerAtTimes(subject, population, new IdSource(population), (i) => base - population.timeoutMs[i]);
  settleHeap();
  const log = new ExpiryLog();
  let totalNs = 0;
  let longestPauseNs = 0;
  let longestPauseCpuNs = 0;
  let inWorkerNs = 0;
  let expired = 0;
  let sweeps = 0;
  subject.startPauseProbe?.();
  for (let now = base + 1; sweeps < maxSweeps && expired < population.n; sweeps++) {
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    const pending = subject.sweep(now);
    const found = typeof pending === 'number' ? pending : await pending;
    const ns = Number(process.hrtime.bigint() - start);
    const cpu = process.cpuUsage(cpuStart);
    longestPauseCpuNs = Math.max(longestPauseCpuNs, Math.min(ns, (cpu.user + cpu.system) * 1000));
    expired += found;
    log.record(subject.lastExpired(), found);
    totalNs += ns;
    longestPauseNs = Math.max(longestPauseNs, ns);
    if (subject.lastWorkerNs) inWorkerNs += subject.lastWorkerNs();
    // Stopped at its step limit: the next step at the same time (the live
    // monitor's next step comes as soon as its loop has read its sockets).
    // A batch handed out: the rest comes next ms. Nothing: an interval tick that only marked.
    if (subject.moreDue?.()) continue;
    now += found > 0 ? 1 : base;
  }
  return { totalNs, longestPauseNs, longestPauseCpuNs, expired, sweeps, log, ...(subject.lastWorkerNs ? { inWorkerNs } : {}) };
}
