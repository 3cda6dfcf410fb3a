import { KeepAliveMonitor, type ClientHandle } from '../../src/monitor/monitor.js';
import { MapMonitor } from '../baselines/map-monitor.js';
import { LatencyHistogram, type LatencySummary } from '../lib/index.js';
import { permutation } from './client-ids.js';
import { IdSource, type Population } from './profiles.js';

export interface HeartbeatCosts {
  byClientId: LatencySummary;
  byHandle: LatencySummary;
  mapLookupUpdate: LatencySummary;
}

/**
 * Shuffled: the realistic order, each heartbeat touching cold memory.
 * Registration order: memory walked in sequence, the best case for caches
 * (and for keepwatch the case where every heartbeat moves its list's head).
 */
export type HeartbeatOrder = 'shuffled' | 'registration';

const BATCH = 1000;

/**
 * A heartbeat is tens of nanoseconds, below what a clock read around each
 * one could resolve (~50 ns per read here), so heartbeats are timed in
 * batches of 1000 and each batch's mean is recorded: the percentiles are
 * over batch means. Each batch's arguments are made by `batch` before the
 * clock starts, as a server has them in hand when it records a heartbeat:
 * ids fresh from the decoder (fresh strings where the profile says so), a
 * handle copied from the connection it has just read from (a fresh object,
 * not one read cold from an array of 100,000: that read is the harness's,
 * ~70 ns of it in random order). So the timed loop holds the monitor's work
 * and nothing else. Time advances across the batches but stays below the
 * shortest timeout: nobody expires.
 */
function timeBatches<T>(
  population: Population,
  passes: number,
  order: Uint32Array,
  batch: (from: number, to: number) => readonly T[],
  beat: (arg: T, now: number) => void,
): LatencySummary {
  const n = population.n;
  const hist = new LatencyHistogram();
  const batches = (passes + 1) * Math.floor(n / BATCH);
  const span = population.minTimeoutMs - 2;
  let b = 0;
  for (let pass = 0; pass <= passes; pass++) {
    for (let start = 0; start + BATCH <= n; start += BATCH, b++) {
      const now = 1 + Math.floor((b * span) / batches);
      const args = batch(start, start + BATCH);
      const t0 = process.hrtime.bigint();
      for (let j = 0; j < BATCH; j++) beat(args[j], now);
      const ns = Number(process.hrtime.bigint() - t0);
      if (pass > 0) hist.recordBatchNs(ns, BATCH); // pass 0 warms the JIT
    }
  }
  return hist.summary();
}

export function measureHeartbeats(population: Population, passes: number, orderKind: HeartbeatOrder, shards = 1): HeartbeatCosts {
  const { n, timeoutMs, registrationOrder } = population;
  const source = new IdSource(population);
  const order = orderKind === 'shuffled' ? permutation(n, 12345) : registrationOrder;
  const ids = (from: number, to: number): readonly string[] => source.batch(order, from, to);
  const monitor = new KeepAliveMonitor({ shards, queueExpiryReports: false });
  const handles = new Array<ClientHandle>(n);
  const registered = source.batch(registrationOrder);
  for (let k = 0; k < n; k++) handles[registrationOrder[k]] = monitor.register(registered[k], { timeoutMs: timeoutMs[registrationOrder[k]] }, 0);
  const handleBatch = (from: number, to: number): ClientHandle[] => {
    const out = new Array<ClientHandle>(to - from);
    for (let k = from; k < to; k++) out[k - from] = { ...handles[order[k]] };
    return out;
  };
  const byClientId = timeBatches(population, passes, order, ids, (id, now) => monitor.heartbeat(id, now));
  const byHandle = timeBatches(population, passes, order, handleBatch, (handle, now) => monitor.heartbeatHandle(handle, now));
  const map = new MapMonitor();
  const mapIds = source.batch(registrationOrder);
  for (let k = 0; k < n; k++) map.register(mapIds[k], timeoutMs[registrationOrder[k]], 0);
  const mapLookupUpdate = timeBatches(population, passes, order, ids, (id, now) => map.heartbeat(id, now));
  return { byClientId, byHandle, mapLookupUpdate };
}
