import { LatencyHistogram, type LatencySummary } from '../lib/index.js';
import { permutation } from './client-ids.js';
import type { SweepSubject } from './sweep-subject.js';

/** The default client settings: 30 s timeout; churn heartbeats every timeout/3. */
export const TIMEOUT_MS = 30_000;

export interface SweepScenarioResult {
  sweep: LatencySummary;
  /** Clients expired over the measured sweeps. */
  expired: number;
  sweeps: number;
}

export interface MassExpiryResult {
  /** Wall time of the sweep that expires everyone (one synchronous call). */
  totalNs: number;
  /** Longest stretch the thread was held: the whole call, in process. */
  longestPauseNs: number;
  expired: number;
}

/** Sweeps are timed one by one; the first tenth warms the JIT and is not recorded. */
function timeSweep(subject: SweepSubject, now: number, hist: LatencyHistogram | undefined): number {
  const start = process.hrtime.bigint();
  const expired = subject.sweep(now);
  const ns = Number(process.hrtime.bigint() - start);
  hist?.recordNs(ns);
  return expired;
}

function registerAll(subject: SweepSubject, ids: readonly string[], now: number): void {
  for (const id of ids) subject.register(id, TIMEOUT_MS, now);
}

/** (a) Everyone registered at 0, sweeps at advancing times before any deadline. */
export function nothingDue(subject: SweepSubject, ids: readonly string[], sweeps: number): SweepScenarioResult {
  registerAll(subject, ids, 0);
  const hist = new LatencyHistogram();
  const warm = Math.ceil(sweeps / 10);
  let expired = 0;
  for (let k = 0; k < warm + sweeps; k++) {
    const now = 1 + Math.floor((k * (TIMEOUT_MS - 2)) / (warm + sweeps));
    expired += timeSweep(subject, now, k >= warm ? hist : undefined);
  }
  return { sweep: hist.summary(), expired, sweeps };
}

/**
 * (b) Every client heartbeats once per timeout/3 (in a shuffled order, so
 * heartbeats hit list heads and middles alike) while a sweep runs every
 * `stepMs`; nobody falls due. Only the sweeps are timed.
 */
export function heartbeatChurn(
  subject: SweepSubject,
  ids: readonly string[],
  sweeps: number,
  stepMs = 20,
): SweepScenarioResult {
  const n = ids.length;
  registerAll(subject, ids, 0);
  const order = permutation(n);
  const period = TIMEOUT_MS / 3;
  const hist = new LatencyHistogram();
  const warm = Math.ceil(sweeps / 10);
  let cursor = 0;
  let expired = 0;
  for (let k = 1; k <= warm + sweeps; k++) {
    const now = k * stepMs;
    const target = Math.floor((now * n) / period);
    for (; cursor < target; cursor++) subject.heartbeat(ids[order[cursor % n]], now);
    expired += timeSweep(subject, now, k > warm ? hist : undefined);
  }
  return { sweep: hist.summary(), expired, sweeps };
}

/**
 * (c) About 1% due per sweep, population held at n: clients registered in
 * 100 groups, one group every timeout/100; a sweep every timeout/100 expires
 * the oldest group, which re-registers at once (untimed) to keep n live.
 */
export function onePercentDue(subject: SweepSubject, ids: readonly string[], sweeps: number): SweepScenarioResult {
  const groups = 100;
  const step = TIMEOUT_MS / groups;
  const n = ids.length;
  const groupOf = (g: number): readonly string[] => ids.slice(Math.floor((g * n) / groups), Math.floor(((g + 1) * n) / groups));
  for (let g = 0; g < groups; g++) for (const id of groupOf(g)) subject.register(id, TIMEOUT_MS, g * step);
  const hist = new LatencyHistogram();
  const warm = Math.ceil(sweeps / 10);
  let expired = 0;
  for (let k = 0; k < warm + sweeps; k++) {
    const now = TIMEOUT_MS + 1 + k * step;
    const found = timeSweep(subject, now, k >= warm ? hist : undefined);
    if (k >= warm) expired += found;
    // A copy: re-registering may run a sweep that reuses the subject's buffer.
    for (const id of [...subject.lastExpired()]) subject.register(id, TIMEOUT_MS, now);
  }
  return { sweep: hist.summary(), expired, sweeps };
}

/** (d) Everyone registered at the same time, one sweep just past the common deadline. */
export function massExpiry(subject: SweepSubject, ids: readonly string[]): MassExpiryResult {
  registerAll(subject, ids, 0);
  const start = process.hrtime.bigint();
  const expired = subject.sweep(TIMEOUT_MS + 1);
  const totalNs = Number(process.hrtime.bigint() - start);
  return { totalNs, longestPauseNs: totalNs, expired };
}
