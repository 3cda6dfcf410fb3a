import { formatNs } from './format.js';
import { writeResultFile } from './results-dir.js';

/** One implementation's latency percentiles (ns) in one scenario. */
export interface ChartSeries {
  implementation: string;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

export interface ChartGroup {
  scenario: string;
  series: ChartSeries[];
}

const PERCENTILES = [
  { key: 'p50', label: 'p50', color: '#1f77b4' },
  { key: 'p99', label: 'p99', color: '#ff7f0e' },
  { key: 'p999', label: 'p99.9', color: '#2ca02c' },
  { key: 'max', label: 'max', color: '#d62728' },
] as const;

const LABEL_W = 340;
const PLOT_W = 560;
const VALUE_W = 90;
const BAR_H = 6;
const ROW_GAP = 6;
const GROUP_HEAD = 24;
const TOP = 56;

function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

/**
 * Grouped horizontal bars, log scale: one group per scenario, one row per
 * implementation, four thin bars per row (p50, p99, p99.9, max). Log scale
 * because the figures compared span 0.1 µs to 100 ms; a linear axis would
 * show only the slowest implementation.
 */
export function latencyChartSvg(title: string, groups: readonly ChartGroup[]): string {
  const values = groups.flatMap((g) => g.series.flatMap((s) => PERCENTILES.map((p) => s[p.key]))).filter((v) => v > 0);
  const lo = Math.floor(Math.log10(Math.max(1, Math.min(...values, 1e9))));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...values, 10))));
  const x = (ns: number): number => (PLOT_W * (Math.log10(Math.max(ns, 10 ** lo)) - lo)) / (hi - lo);
  const rowH = PERCENTILES.length * BAR_H + ROW_GAP;
  const out: string[] = [];
  let y = TOP;
  for (const group of groups) {
    out.push(`<text x="8" y="${y + 16}" class="group">${escapeXml(group.scenario)}</text>`);
    y += GROUP_HEAD;
    for (const s of group.series) {
      out.push(`<text x="${LABEL_W - 8}" y="${y + rowH / 2 + 1}" class="impl">${escapeXml(s.implementation)}</text>`);
      PERCENTILES.forEach((p, i) => {
        const w = Math.max(1, x(s[p.key]));
        out.push(`<rect x="${LABEL_W}" y="${y + i * BAR_H}" width="${w.toFixed(1)}" height="${BAR_H - 1}" fill="${p.color}"><title>${escapeXml(`${s.implementation} ${p.label}: ${formatNs(s[p.key])}`)}</title></rect>`);
      });
      out.push(`<text x="${LABEL_W + PLOT_W + 6}" y="${y + rowH / 2 + 1}" class="val">${escapeXml(`p99 ${formatNs(s.p99)}`)}</text>`);
      y += rowH;
    }
  }
  const height = y + 30;
  const grid: string[] = [];
  for (let d = lo; d <= hi; d++) {
    const gx = LABEL_W + x(10 ** d);
    grid.push(`<line x1="${gx}" y1="${TOP - 4}" x2="${gx}" y2="${y}" class="grid"/>`);
    grid.push(`<text x="${gx}" y="${y + 16}" class="tick">${formatNs(10 ** d)}</text>`);
  }
  const legend = PERCENTILES.map(
    (p, i) => `<rect x="${LABEL_W + i * 80}" y="30" width="12" height="8" fill="${p.color}"/><text x="${LABEL_W + i * 80 + 16}" y="38" class="legend">${p.label}</text>`,
  );
  const width = LABEL_W + PLOT_W + VALUE_W + 20;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    '<style>.group{font-size:13px;font-weight:bold}.impl{font-size:11px;text-anchor:end;dominant-baseline:middle}.val{font-size:10px;dominant-baseline:middle;fill:#444}.tick{font-size:10px;text-anchor:middle;fill:#444}.legend{font-size:11px}.grid{stroke:#ddd}</style>',
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="8" y="18" font-size="15" font-weight="bold">${escapeXml(title)} (log scale)</text>`,
    ...legend,
    ...grid,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}

/** Writes bench/results/<name>.svg; returns the path. */
export function writeLatencyChart(name: string, title: string, groups: readonly ChartGroup[]): string {
  return writeResultFile(name, 'svg', latencyChartSvg(title, groups));
}
