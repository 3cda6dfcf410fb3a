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
 * allocation; `rollTick` O(EXACT_MS) once a second (the tick's non-zero
 * counts out, then added into the total), whatever the expiry rate.
 */
export const EXACT_MS = 1000;

/** One tick's delays as counts per whole ms (ascending; EXACT_MS: that or more), and the largest delay: what adds up across threads. */
export interface DelayCounts {
  ms: number[];
  counts: number[];
  max: number | null;
}

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

  /** The tick's counts (sparse: only the milliseconds that occurred) move into the total and the tick starts over. */
  rollTick(): DelayCounts {
    const out: DelayCounts = { ms: [], counts: [], max: this.tickCount > 0 ? this.tickMax : null };
    if (this.tickCount > 0) {
      for (let ms = 0; ms <= EXACT_MS; ms++) {
        const n = this.tick[ms];
        if (n === 0) continue;
        out.ms.push(ms);
        out.counts.push(n);
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

/**
 * The p50/p99/max of one tick's delays over any number of parts (one per
 * I/O thread): exact, as the counts are per millisecond. O(EXACT_MS + the
 * parts' entries).
 */
export function tickDelays(parts: readonly DelayCounts[]): TickDelays {
  const merged = new Float64Array(EXACT_MS + 1);
  let count = 0;
  let max: number | null = null;
  for (const part of parts) {
    for (let i = 0; i < part.ms.length; i++) merged[part.ms[i]] += part.counts[i];
    for (const n of part.counts) count += n;
    if (part.max !== null && (max === null || part.max > max)) max = part.max;
  }
  const out: TickDelays = { count, p50: null, p99: null, max };
  if (count === 0) return out;
  const want50 = Math.ceil(count * 0.5);
  const want99 = Math.ceil(count * 0.99);
  let seen = 0;
  for (let ms = 0; ms <= EXACT_MS && out.p99 === null; ms++) {
    seen += merged[ms];
    if (out.p50 === null && seen >= want50) out.p50 = ms;
    if (seen >= want99) out.p99 = ms;
  }
  return out;
}
