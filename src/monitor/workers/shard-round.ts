import type { ExpiryReports } from '../expiry-reports.js';
import type { LiveMonitorEvents } from '../live-monitor.js';
import type { OrderWalk } from './merge-by-seq.js';
import type { RepairingRunner } from './repairing-runner.js';
import { deliverFindings } from './deliver-findings.js';
import type { ShardHost } from './shard-host.js';
import type { ShardTaskKind } from './shard-task.js';

/** Timing of a round, for the benchmarks (hand-off cost). */
export interface RoundTiming {
  kind: ShardTaskKind;
  shards: number;
  /** From posting the tasks to the last shard given back (ms). */
  endToEndMs: number;
  /** The longest time spent in a worker by one task of the round (ms). */
  workerMs: number;
}


export interface RoundSettings {
  runner: RepairingRunner;
  events: LiveMonitorEvents;
  /** Expiries queued for the next check (the stdio node), or undefined (servers: events only). */
  reports: ExpiryReports | undefined;
  /** check/status sweep first (as KeepAliveMonitor's sweepOnAccess); a timer round always does. */
  sweepOnAccess: boolean;
  /** Told the round's timing as it ends, failed or not. */
  timed: (timing: RoundTiming) => void;
}

/**
 * One round: lends `hosts` to the workers for one task each at the same
 * time, delivers their findings, then gives them back (applying what was
 * queued meanwhile). No shard is given back before every task and
 * delivery of the round is over, failed or not: a shard handed back while
 * its worker still sweeps it would be written by two threads at once.
 * The round's expiries are queued before the give-back, whose queued
 * operations may report expiries of their own, later ones. Resolves to
 * each shard's live clients in registration order (check/status).
 */
export async function runRound(kind: ShardTaskKind, hosts: readonly ShardHost[], now: number, settings: RoundSettings): Promise<OrderWalk[]> {
  const started = performance.now();
  let workerMs = 0;
  const sweeping = kind === 'sweep' || settings.sweepOnAccess;
  const reports = settings.reports;
  const deliveryOptions = { events: settings.events, queueReports: reports !== undefined, swept: sweeping };
  for (const host of hosts) host.lend(now, sweeping);
  // Tasks run in parallel; their findings are delivered one at a time, in
  // arrival order, so each event-loop turn does one chunk, not one per shard.
  let delivering: Promise<unknown> = Promise.resolve();
  try {
    const outcomes = await Promise.allSettled(
      hosts.map(async (host) => {
        const result = await settings.runner.run(host, kind, now, sweeping);
        workerMs = Math.max(workerMs, result.workerMs);
        const mine = delivering.then(() => deliverFindings(host, result, now, deliveryOptions));
        delivering = mine.catch(() => undefined);
        return mine;
      }),
    );
    const delivered = outcomes.map((outcome) => {
      if (outcome.status === 'rejected') throw outcome.reason;
      return outcome.value;
    });
    if (reports !== undefined) {
      const expiredIds = delivered.flatMap((s) => s.expiredIds);
      if (expiredIds.length > 0) reports.add(expiredIds, delivered.flatMap((s) => s.expiredSeqs), expiredIds.length);
    }
    return delivered.map((s) => s.walk);
  } finally {
    for (const host of hosts) host.giveBack();
    settings.timed({ kind, shards: hosts.length, endToEndMs: performance.now() - started, workerMs });
  }
}
