/** Human units for figures printed in tables: ns below 1 µs, µs below 1 ms, else ms. */
export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return String(ns);
  if (ns < 1_000) return `${ns.toFixed(ns < 10 ? 1 : 0)} ns`;
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(ns < 10_000 ? 2 : 1)} µs`;
  return `${(ns / 1_000_000).toFixed(ns < 10_000_000 ? 2 : 1)} ms`;
}

export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return String(ratio);
  if (ratio >= 100) return `${Math.round(ratio)}x`;
  return `${ratio.toFixed(ratio >= 10 ? 1 : 2)}x`;
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatBytes(n: number): string {
  return `${n.toFixed(1)} B`;
}

export function passFail(met: boolean): string {
  return met ? 'MET' : 'NOT MET';
}
