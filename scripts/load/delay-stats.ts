/** Percentiles of signed values (detection delays can be negative: an early close), exact, from a sorted copy. */
export interface SignedSummary {
  count: number;
  min: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

export function percentileOfSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

export function summarizeSigned(values: readonly number[]): SignedSummary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    min: sorted.length === 0 ? NaN : sorted[0],
    p50: percentileOfSorted(sorted, 50),
    p99: percentileOfSorted(sorted, 99),
    p999: percentileOfSorted(sorted, 99.9),
    max: sorted.length === 0 ? NaN : sorted[sorted.length - 1],
  };
}
