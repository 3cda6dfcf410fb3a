export { LatencyHistogram, median, nowNs, timed, type LatencySummary } from './histogram.js';
export { formatBytes, formatCount, formatNs, formatRatio, passFail } from './format.js';
export { formatTable, printTable } from './table.js';
export { progress } from './progress.js';
export { resultsDir, writeResultFile } from './results-dir.js';
export { runInfo, writeResultsJson, type RunInfo } from './results-json.js';
export { latencyChartSvg, writeLatencyChart, type ChartGroup, type ChartSeries } from './svg-chart.js';
export { medianSummary } from './median-summary.js';
export { settleHeap } from './settle-heap.js';
