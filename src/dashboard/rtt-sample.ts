import { roundMicros } from '../transports/gateway/round-trip.js';
import type { Tick } from './wire.js';

/**
 * The round trips of one dashboard tick, for its p50/p99: a uniform sample
 * of at most `capacity` of the tick's round trips (reservoir sampling,
 * Vitter's algorithm R, as the feed's sample), exact while a second has no
 * more than `capacity` of them. The same samples feed keepwatch_rtt_seconds;
 * its buckets (a factor of 2 to 2.5 apart) are for Prometheus' quantiles
 * over minutes, too coarse for a per-second figure (every loopback round
 * trip falls in one bucket).
 *
 * Layout: one Float64Array of `capacity` ms values and a count. Costs:
 * `record` O(1) (one random number once the reservoir is full), no
 * allocation; `rollTick` O(k log k) for the k <= capacity kept, once a
 * second, whatever the ping rate.
 */
export class RttSample {
  private readonly kept: Float64Array;
  private seen = 0;

  constructor(readonly capacity = 1024) {
    this.kept = new Float64Array(capacity);
  }

  record(ms: number): void {
    const slot = this.seen < this.capacity ? this.seen : Math.floor(Math.random() * (this.seen + 1));
    this.seen++;
    if (slot < this.capacity) this.kept[slot] = ms;
  }

  /** The tick's percentiles (nearest rank over the sample, ms to the microsecond), or null when nothing was measured; starts a new tick. */
  rollTick(): Tick['rtt_ms'] {
    const seen = this.seen;
    const n = Math.min(seen, this.capacity);
    this.seen = 0;
    if (n === 0) return null;
    const sorted = this.kept.subarray(0, n).sort();
    const rank = (q: number): number => sorted[Math.max(0, Math.ceil(q * n) - 1)];
    return { p50: roundMicros(rank(0.5)), p99: roundMicros(rank(0.99)), count: seen };
  }
}
