import type { DetectionPanel, TickDelays } from './wire.js';

/**
 * Detection delay (expiry time minus deadline, whole clock ms) for the
 * dashboard: exact counts per millisecond from 0 to EXACT_MS - 1, one
 * overflow bucket for EXACT_MS and more, and a count of negative delays
 * (an expiry before its deadline: the product promises there are none, so
 * the page shows the count rather than hiding it).
 *
 * Layout: two Float64Arrays of EXACT_MS + 1 counts, `tick` (since the last
 * `rollTick`) and `total` (since start). Costs: `record` O(1), no
 * allocation; `rollTick` O(EXACT_MS) once a second (percentiles of the
 * tick, then adds it into the total), whatever the expiry rate.
 */
export const EXACT_MS = 1000;

export class DetectionHistogram {
  private readonly tick = new Float64Array(EXACT_MS + 1);
  private readonly total = new Float64Array(EXACT_MS + 1);
  private tickCount = 0;
  private tickMax = -Infinity;
  negative = 0;

  record(delayMs: number): void {
    if (delayMs < 0) {
      this.negative++;
      return;
    }
    this.tick[Math.min(EXACT_MS, Math.floor(delayMs))]++;
    this.tickCount++;
    if (delayMs > this.tickMax) this.tickMax = delayMs;
  }

  /** The tick's percentiles; its counts move into the total and the tick starts over. */
  rollTick(): TickDelays {
    const count = this.tickCount;
    const out: TickDelays = { count, p50: null, p99: null, max: count > 0 ? this.tickMax : null };
    if (count > 0) {
      const want50 = Math.ceil(count * 0.5);
      const want99 = Math.ceil(count * 0.99);
      let seen = 0;
      for (let ms = 0; ms <= EXACT_MS; ms++) {
        const n = this.tick[ms];
        if (n === 0) continue;
        seen += n;
        if (out.p50 === null && seen >= want50) out.p50 = ms;
        if (out.p99 === null && seen >= want99) out.p99 = ms;
        this.total[ms] += n;
      }
      this.tick.fill(0);
    }
    this.tickCount = 0;
    this.tickMax = -Infinity;
    return out;
  }

  /** Counts since start, bucketed for display: [upper bound ms (exclusive; null = open), count]. */
  buckets(bounds: readonly number[]): DetectionPanel['buckets'] {
    const out = bounds.map((le) => ({ le: le as number | null, count: 0 }));
    out.push({ le: null, count: 0 });
    let b = 0;
    for (let ms = 0; ms <= EXACT_MS; ms++) {
      while (b < bounds.length && ms >= bounds[b]) b++;
      out[b].count += this.total[ms];
    }
    return out;
  }
}
