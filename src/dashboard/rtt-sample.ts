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
 * allocation; `rollTick` O(k) (a copy of the k <= capacity kept) and
 * `rttPercentiles` O(k log k), once a second, whatever the ping rate.
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

  /** The tick's sample (a copy) and how many round trips it stands for; null when nothing was measured; starts a new tick. */
  rollTick(): RttPart | null {
    const seen = this.seen;
    const n = Math.min(seen, this.capacity);
    this.seen = 0;
    return n === 0 ? null : { values: Array.from(this.kept.subarray(0, n)), seen };
  }
}

/** One tick's round-trip sample (ms) and the count of round trips it was drawn from: what adds up across threads. */
export interface RttPart {
  values: number[];
  seen: number;
}

/**
 * The tick's p50/p99 over the parts (one per I/O thread), nearest rank
 * with each kept value weighing seen / kept of its part, so a thread that
 * measured more counts for more; with one part, the plain nearest rank of
 * its sample. Null when nothing was measured. O(k log k) for k kept values.
 */
export function rttPercentiles(parts: readonly (RttPart | null)[]): Tick['rtt_ms'] {
  const weighted: { ms: number; weight: number }[] = [];
  let seen = 0;
  for (const part of parts) {
    if (part === null) continue;
    seen += part.seen;
    for (const ms of part.values) weighted.push({ ms, weight: part.seen / part.values.length });
  }
  if (weighted.length === 0) return null;
  weighted.sort((a, b) => a.ms - b.ms);
  const rank = (q: number): number => {
    // A hair below q * seen, so that float sums of equal weights reach the nearest rank exactly.
    const want = q * seen * (1 - 1e-12);
    let sum = 0;
    for (const w of weighted) {
      sum += w.weight;
      if (sum >= want) return w.ms;
    }
    return weighted[weighted.length - 1].ms;
  };
  return { p50: roundMicros(rank(0.5)), p99: roundMicros(rank(0.99)), count: seen };
}
