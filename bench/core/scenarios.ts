import { LatencyHistogram, type LatencySummary } from '../lib/index.js';
import { permutation } from './client-ids.js';
import type { SweepSubject } from './sweep-subject.js';

/** The default client settings: 30 s timeout; churn heartbeats every timeout/3. */
export const TIMEOUT_MS = 30_000;

export interface SweepScenarioResult {
  /** Per sweep; end to end (main thread to result and back) for worker subjects. */
  sweep: LatencySummary;
  /** Per sweep, the time spent in the worker (worker subjects only). */
  inWorker?: LatencySummary;
  /** Clients expired over the measured sweeps. */
  expired: number;
  sweeps: number;
}

export interface MassExpiryResult {
  /** Wall time from the first sweep past the deadline until everyone has expired. */
  totalNs: number;
  /** The longest single sweep call (in process, the thread is held that long). */
  longestPauseNs: number;
  /** Time in the worker (worker subjects only). */
  inWorkerNs?: number;
  expired: number;
  sweeps: number;
}

/** The histograms a scenario fills: sweep latency, and in-worker time when the subject reports it. */
class SweepRecorder {
  readonly sweep = new LatencyHistogram();
  readonly inWorker = new LatencyHistogram();

  summary(subject: SweepSubject): Pick<SweepScenarioResult, 'sweep' | 'inWorker'> {
    return this.inWorker.count > 0 ? { sweep: this.sweep.summary(), inWorker: this.inWorker.summary() } : { sweep: this.sweep.summary() };
  }
}

/**
 * Times one sweep. A synchronous subject is timed by one call, with nothing
 * added (no await: a microtask would cost more than the sweep); a subject
 * returning a promise is timed to its settlement.
 */
function timeSweep(subject: SweepSubject, now: number, rec: SweepRecorder | undefined): number | Promise<number> {
  const start = process.hrtime.bigint();
  const out = subject.sweep(now);
  if (typeof out === 'number') {
    rec?.sweep.recordNs(Number(process.hrtime.bigint() - start));
    return out;
  }
  return out.then((expired) => {
    if (rec) {
      rec.sweep.recordNs(Number(process.hrtime.bigint() - start));
      // 0: nothing was due, the sweep never left the main thread.
      const workerNs = subject.lastWorkerNs?.() ?? 0;
      if (workerNs > 0) rec.inWorker.recordNs(workerNs);
    }
    return expired;
  });
}

function registerAll(subject: SweepSubject, ids: readonly string[], now: number): void {
  for (const id of ids) subject.register(id, TIMEOUT_MS, now);
}

/** (a) Everyone registered at 0, sweeps at advancing times before any deadline. */
export async function nothingDue(subject: SweepSubject, ids: readonly string[], sweeps: number): Promise<SweepScenarioResult> {
  registerAll(subject, ids, 0);
  const rec = new SweepRecorder();
  const warm = Math.ceil(sweeps / 10);
  let expired = 0;
  subject.startPauseProbe?.();
  for (let k = 0; k < warm + sweeps; k++) {
    const now = 1 + Math.floor((k * (TIMEOUT_MS - 2)) / (warm + sweeps));
    const found = timeSweep(subject, now, k >= warm ? rec : undefined);
    expired += typeof found === 'number' ? found : await found;
  }
  return { ...rec.summary(subject), expired, sweeps };
}

/**
 * (b) Every client heartbeats once per timeout/3 (in a shuffled order, so
 * heartbeats hit list heads and middles alike) while a sweep runs every
 * `stepMs`; nobody falls due. Only the sweeps are timed.
 */
export async function heartbeatChurn(
  subject: SweepSubject,
  ids: readonly string[],
  sweeps: number,
  stepMs = 20,
): Promise<SweepScenarioResult> {
  const n = ids.length;
  registerAll(subject, ids, 0);
  const order = permutation(n);
  const period = TIMEOUT_MS / 3;
  const rec = new SweepRecorder();
  const warm = Math.ceil(sweeps / 10);
  let cursor = 0;
  let expired = 0;
  subject.startPauseProbe?.();
  for (let k = 1; k <= warm + sweeps; k++) {
    const now = k * stepMs;
    const target = Math.floor((now * n) / period);
    for (; cursor < target; cursor++) subject.heartbeat(ids[order[cursor % n]], now);
    const found = timeSweep(subject, now, k > warm ? rec : undefined);
    expired += typeof found === 'number' ? found : await found;
  }
  return { ...rec.summary(subject), expired, sweeps };
}

/**
 * (c) About 1% due per sweep, population held at n: clients registered in
 * 100 groups, one group every timeout/100; a sweep every timeout/100 expires
 * the oldest group, which re-registers at once (untimed) to keep n live.
 */
export async function onePercentDue(subject: SweepSubject, ids: readonly string[], sweeps: number): Promise<SweepScenarioResult> {
  const groups = 100;
  const step = TIMEOUT_MS / groups;
  const n = ids.length;
  const groupOf = (g: number): readonly string[] => ids.slice(Math.floor((g * n) / groups), Math.floor(((g + 1) * n) / groups));
  for (let g = 0; g < groups; g++) for (const id of groupOf(g)) subject.register(id, TIMEOUT_MS, g * step);
  subject.startPauseProbe?.();
  const rec = new SweepRecorder();
  const warm = Math.ceil(sweeps / 10);
  let expired = 0;
  for (let k = 0; k < warm + sweeps; k++) {
    const now = TIMEOUT_MS + 1 + k * step;
    const pending = timeSweep(subject, now, k >= warm ? rec : undefined);
    const found = typeof pending === 'number' ? pending : await pending;
    if (k >= warm) expired += found;
    // A copy: re-registering may run a sweep that reuses the subject's buffer.
    for (const id of [...subject.lastExpired()]) subject.register(id, TIMEOUT_MS, now);
  }
  return { ...rec.summary(subject), expired, sweeps };
}

/**
 * (d) Everyone registered at the same time, then sweeps just past the common
 * deadline until all have expired: one sweep for a deadline-driven monitor,
 * two interval ticks for the ws pattern (mark, then terminate).
 */
export async function massExpiry(subject: SweepSubject, ids: readonly string[], maxSweeps = 3): Promise<MassExpiryResult> {
  registerAll(subject, ids, 0);
  let totalNs = 0;
  let longestPauseNs = 0;
  let inWorkerNs = 0;
  let expired = 0;
  let sweeps = 0;
  subject.startPauseProbe?.();
  for (let now = TIMEOUT_MS + 1; sweeps < maxSweeps && expired < ids.length; now += TIMEOUT_MS, sweeps++) {
    const start = process.hrtime.bigint();
    const pending = subject.sweep(now);
    expired += typeof pending === 'number' ? pending : await pending;
    const ns = Number(process.hrtime.bigint() - start);
    totalNs += ns;
    longestPauseNs = Math.max(longestPauseNs, ns);
    if (subject.lastWorkerNs) inWorkerNs += subject.lastWorkerNs();
  }
  return { totalNs, longestPauseNs, expired, sweeps, ...(subject.lastWorkerNs ? { inWorkerNs } : {}) };
}
