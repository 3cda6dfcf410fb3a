import { KeepAliveMonitor, type ClientHandle } from '../../src/monitor/monitor.js';
import { MapMonitor } from '../baselines/map-monitor.js';
import { LatencyHistogram, type LatencySummary } from '../lib/index.js';
import { permutation } from './client-ids.js';
import { TIMEOUT_MS } from './scenarios.js';

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
 * batches of 1000 in a shuffled order and each batch's mean is recorded:
 * the percentiles are over batch means.
 */
function timeBatches(n: number, passes: number, orderKind: HeartbeatOrder, beat: (i: number, now: number) => void): LatencySummary {
  const order = orderKind === 'shuffled' ? permutation(n, 12345) : Uint32Array.from({ length: n }, (_, i) => i);
  const hist = new LatencyHistogram();
  let now = 1;
  for (let pass = 0; pass <= passes; pass++) {
    for (let start = 0; start + BATCH <= n; start += BATCH, now++) {
      const t0 = process.hrtime.bigint();
      for (let j = start; j < start + BATCH; j++) beat(order[j], now);
      const ns = Number(process.hrtime.bigint() - t0);
      if (pass > 0) hist.recordBatchNs(ns, BATCH); // pass 0 warms the JIT
    }
  }
  if (now >= TIMEOUT_MS) throw new Error('heartbeat passes outran the timeout; fewer passes');
  return hist.summary();
}

export function measureHeartbeats(ids: readonly string[], passes: number, order: HeartbeatOrder, shards = 1): HeartbeatCosts {
  const n = ids.length;
  const monitor = new KeepAliveMonitor({ shards, queueExpiryReports: false });
  const handles: ClientHandle[] = ids.map((id) => monitor.register(id, { timeoutMs: TIMEOUT_MS }, 0));
  const byClientId = timeBatches(n, passes, order, (i, now) => monitor.heartbeat(ids[i], now));
  const byHandle = timeBatches(n, passes, order, (i, now) => monitor.heartbeatHandle(handles[i], now));
  const map = new MapMonitor();
  for (const id of ids) map.register(id, TIMEOUT_MS, 0);
  const mapLookupUpdate = timeBatches(n, passes, order, (i, now) => map.heartbeat(ids[i], now));
  return { byClientId, byHandle, mapLookupUpdate };
}
