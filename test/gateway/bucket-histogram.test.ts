import { AggregatorRegistry, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BucketHistogram } from '../../src/transports/gateway/bucket-histogram.js';

const BUCKETS = [0.001, 0.005, 0.01, 0.1, 1];
// On a bound (le is inclusive), between bounds, below the first, above the last, negative.
const VALUES = [0.001, 0.0005, 0.003, 0.005, 0.0051, 0.05, 0.1, 0.5, 1, 2.5, 7, -0.002, 0];

/** The same observations into prom-client's own Histogram and into a BucketHistogram, each in its own registry. */
function both(values: readonly number[]): { own: Registry; ours: Registry; bucketed: BucketHistogram } {
  const own = new Registry();
  const reference = new Histogram({ name: 'delay_seconds', help: 'delays', buckets: BUCKETS, registers: [own] });
  const ours = new Registry();
  const bucketed = new BucketHistogram('delay_seconds', 'delays', BUCKETS, ours);
  for (const v of values) {
    reference.observe(v);
    bucketed.observe(v);
  }
  return { own, ours, bucketed };
}

describe('BucketHistogram', () => {
  it("scrapes as prom-client's own Histogram with the same observations", async () => {
    const { own, ours } = both(VALUES);
    const text = await ours.metrics();
    expect(text).toBe(await own.metrics());
    expect(text).toContain('delay_seconds_bucket{le="0.005"} 6');
    expect(text).toContain(`delay_seconds_count ${VALUES.length}`);
  });

  it('sums across registries as prom-client aggregates I/O threads', async () => {
    const a = both(VALUES.slice(0, 6));
    const b = both(VALUES.slice(6));
    const reference = await AggregatorRegistry.aggregate([await a.own.getMetricsAsJSON(), await b.own.getMetricsAsJSON()]).metrics();
    const summed = await AggregatorRegistry.aggregate([await a.ours.getMetricsAsJSON(), await b.ours.getMetricsAsJSON()]).metrics();
    expect(summed).toBe(reference);
    expect(summed).toContain(`delay_seconds_bucket{le="+Inf"} ${VALUES.length}`);
  });

  it('reset empties every bucket', async () => {
    const { ours, bucketed } = both(VALUES);
    bucketed.reset();
    const empty = both([]);
    expect(await ours.metrics()).toBe(await empty.ours.metrics());
    expect(await ours.metrics()).toContain('delay_seconds_count 0');
  });
});
