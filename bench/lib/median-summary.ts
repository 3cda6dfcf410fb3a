import { median, type LatencySummary } from './histogram.js';

/** Field-by-field median of the same measurement repeated in several rounds. */
export function medianSummary(rounds: readonly LatencySummary[]): LatencySummary {
  const pick = (k: keyof LatencySummary): number => median(rounds.map((r) => r[k]));
  return { count: pick('count'), p50: pick('p50'), p99: pick('p99'), p999: pick('p999'), max: pick('max'), mean: pick('mean') };
}
