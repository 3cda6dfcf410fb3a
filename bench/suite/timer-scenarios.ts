import { setTimeout as sleep } from 'node:timers/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { NodeTimersMonitor } from '../baselines/node-timers.js';
import type { LatencySummary } from '../lib/index.js';

/**
 * The one-timer-per-client baseline runs on real time: there is no sweep
 * to time, the runtime fires the timers itself. What it costs the server
 * is event-loop delay, measured with a 1 ms probe over each scenario:
 * its percentiles stand where the other rows have sweep latency, its max
 * is the longest main-thread pause.
 */
export interface TimerScenarioResult {
  eventLoopDelay: LatencySummary;
  expired: number;
}

async function measure(run: () => Promise<void>): Promise<LatencySummary> {
  const eld = monitorEventLoopDelay({ resolution: 1 });
  eld.enable();
  await run();
  eld.disable();
  return {
    count: eld.count,
    p50: eld.percentile(50),
    p99: eld.percentile(99),
    p999: eld.percentile(99.9),
    max: eld.max,
    mean: eld.mean,
  };
}

function armAll(timers: NodeTimersMonitor, ids: readonly string[], timeoutOf: (i: number) => number): void {
  for (let i = 0; i < ids.length; i++) timers.register(ids[i], timeoutOf(i));
}

/** (a) n timers armed (30 s), nothing fires: delay over `windowMs`. */
export async function timersArmed(ids: readonly string[], windowMs: number): Promise<TimerScenarioResult> {
  const timers = new NodeTimersMonitor();
  armAll(timers, ids, () => 30_000);
  const eventLoopDelay = await measure(() => sleep(windowMs));
  timers.close();
  return { eventLoopDelay, expired: timers.expired };
}

/** (b) every client refreshed once per timeout/3 (a batch every 10 ms), nothing fires. */
export async function timersChurn(ids: readonly string[], windowMs: number): Promise<TimerScenarioResult> {
  const timers = new NodeTimersMonitor();
  armAll(timers, ids, () => 30_000);
  const perBatch = Math.max(1, Math.round((ids.length * 10) / 10_000));
  let cursor = 0;
  const eventLoopDelay = await measure(async () => {
    for (let elapsed = 0; elapsed < windowMs; elapsed += 10) {
      for (let j = 0; j < perBatch; j++, cursor++) timers.heartbeat(ids[cursor % ids.length]);
      await sleep(10);
    }
  });
  timers.close();
  return { eventLoopDelay, expired: timers.expired };
}

/** (c) 1% of the clients fire every 10 ms (timeouts staggered in 100 groups). */
export async function timersOnePercent(ids: readonly string[]): Promise<TimerScenarioResult> {
  const timers = new NodeTimersMonitor();
  armAll(timers, ids, (i) => 200 + 10 * (i % 100));
  const eventLoopDelay = await measure(() => sleep(200 + 10 * 100 + 50));
  timers.close();
  return { eventLoopDelay, expired: timers.expired };
}

/**
 * (d) all n due at the same instant, firing together. Arming 100k timers
 * takes tens of ms and Node stamps each with the loop time of its own
 * arming, so equal timeouts would fire in ms-sized batches; each timer's
 * timeout is instead aimed at one common deadline, as when clients that
 * (re)connected in one burst all go silent.
 */
export async function timersMassExpiry(ids: readonly string[]): Promise<TimerScenarioResult> {
  const timers = new NodeTimersMonitor();
  const deadline = performance.now() + 500;
  armAll(timers, ids, () => Math.max(1, Math.round(deadline - performance.now())));
  const eventLoopDelay = await measure(async () => {
    while (timers.size > 0) await sleep(20);
    await sleep(20);
  });
  timers.close();
  return { eventLoopDelay, expired: timers.expired };
}
