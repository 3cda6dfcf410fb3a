import { build, type Histogram } from 'hdr-histogram-js';

/** Percentiles of one latency distribution, all in nanoseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/**
 * Latencies in nanoseconds, 3 significant digits: enough to tell 0.2 µs from
 * 0.3 µs and still hold a 10 s pause. Values below 1 ns are recorded as 1 so
 * a sub-resolution measurement is not lost from the count.
 */
export class LatencyHistogram {
  private readonly hist: Histogram = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60e9,
    numberOfSignificantValueDigits: 3,
  });

  recordNs(ns: number): void {
    this.hist.recordValue(Math.max(1, Math.round(ns)));
  }

  recordMs(ms: number): void {
    this.recordNs(ms * 1e6);
  }

  /** Records `count` operations that took `totalNs` together (their mean each). */
  recordBatchNs(totalNs: number, count: number): void {
    this.hist.recordValueWithCount(Math.max(1, Math.round(totalNs / count)), count);
  }

  get count(): number {
    return this.hist.totalCount;
  }

  summary(): LatencySummary {
    const h = this.hist;
    // A percentile is reported as its bucket's highest equivalent value, which can exceed the true max.
    const at = (p: number): number => Math.min(h.getValueAtPercentile(p), h.maxValue);
    return {
      count: h.totalCount,
      p50: at(50),
      p99: at(99),
      p999: at(99.9),
      max: h.maxValue,
      mean: h.mean,
    };
  }
}

/** The monotonic clock every bench reads, in nanoseconds (a float keeps ~0.1 ns resolution below 2^53). */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** Times `fn` once and records it; returns what fn returned. */
export function timed<T>(hist: LatencyHistogram, fn: () => T): T {
  const start = process.hrtime.bigint();
  const out = fn();
  hist.recordNs(Number(process.hrtime.bigint() - start));
  return out;
}

/** Median of a few repeated measurements (the machine is shared: one run is noise). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
