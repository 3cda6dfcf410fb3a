import type { Histogram, Registry } from 'prom-client';

/** One series line of a histogram as prom-client's registry formats and aggregates it. */
interface SeriesValue {
  metricName: string;
  labels: { le?: number | string };
  value: number;
}

/**
 * A Prometheus histogram without labels whose `observe` does no allocation
 * and no label hashing: for a figure observed once per client in a burst
 * (the detection delay: one per expiry, hundreds back to back). prom-client's
 * own Histogram builds a closure, an object and a label hash per
 * observation: a few hundred ns warm, but several µs while the code is
 * still cold, which it is at a process's first burst of expiries.
 *
 * Layout: one Float64Array of `buckets.length + 1` counts (the last: above
 * the largest bound), the sum and the count. `observe` is O(buckets) (a
 * scan of the sorted bounds, 14 here), nothing allocated; the exposition is
 * built at scrape time (`get`), in the shape prom-client gives its own
 * histograms, so its registry formats it and its cluster aggregation sums
 * it across I/O threads like any other.
 */
export class BucketHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
    registry: Registry,
  ) {
    this.counts = new Float64Array(buckets.length + 1);
    // prom-client's registry takes any object with its metrics' shape (name, help, type, aggregator, get, reset).
    registry.registerMetric(this as unknown as Histogram);
  }

  observe(value: number): void {
    const buckets = this.buckets;
    let i = 0;
    while (i < buckets.length && value > buckets[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
  }

  get(): { name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: SeriesValue[] } {
    const values: SeriesValue[] = [];
    let cumulative = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      cumulative += this.counts[i];
      values.push({ metricName: `${this.name}_bucket`, labels: { le: this.buckets[i] }, value: cumulative });
    }
    values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf' }, value: this.count });
    values.push({ metricName: `${this.name}_sum`, labels: {}, value: this.sum });
    values.push({ metricName: `${this.name}_count`, labels: {}, value: this.count });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}
