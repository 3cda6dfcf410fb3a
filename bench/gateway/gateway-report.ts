import { formatCount, formatRatio, passFail, printTable, writeLatencyChart, writeResultsJson, type ChartSeries } from '../lib/index.js';
import type { SignedSummary } from '../../scripts/load/delay-stats.js';
import type { BenchSettings } from './bench-settings.js';
import type { ServerMeasurement } from './measure-server.js';
import type { InterleavedThroughput } from './throughput-ab.js';

export interface TargetCheck {
  target: string;
  figure: string;
  met: boolean;
}

const ms = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? '-' : `${v.toFixed(1)} ms`);
const opt = (v: number | null, f: (n: number) => string): string => (v === null ? '-' : f(v));

function chartSeries(name: string, summary: SignedSummary): ChartSeries {
  const ns = (v: number): number => Math.max(1, v * 1e6);
  return { implementation: name, p50: ns(summary.p50), p99: ns(summary.p99), p999: ns(summary.p999), max: ns(summary.max) };
}

export function checkTargets(s: BenchSettings, same: readonly ServerMeasurement[], scale: ServerMeasurement | null, ab: InterleavedThroughput | null): TargetCheck[] {
  const by = (name: string): ServerMeasurement | undefined => same.find((m) => m.server === name);
  const kw = by('keepwatch');
  const echo = by('uWS echo');
  const wsb = by('ws isAlive');
  const uwsb = by('uWS idleTimeout');
  const checks: TargetCheck[] = [];
  if (scale !== null) {
    checks.push({
      target: `${formatCount(s.scaleConnections)} connections and ${formatCount(s.scaleMuxConnections * s.scaleIdsPerMux)} multiplexed client_ids in one process`,
      figure: `${formatCount(scale.connections)} connections, ${formatCount(scale.clients)} client_ids, ${scale.connect.failed} failed, server ${scale.serverSurvived ? 'alive' : 'DIED'}`,
      met: scale.connect.failed === 0 && scale.connections >= s.scaleConnections && scale.clients >= s.scaleMuxConnections * s.scaleIdsPerMux && scale.serverSurvived,
    });
  }
  const kwRuns = [kw, scale].filter((m): m is ServerMeasurement => m !== undefined && m !== null);
  const early = kwRuns.reduce((n, m) => n + (m.detection?.early ?? 0), 0);
  const undetected = kwRuns.reduce((n, m) => n + (m.detection?.undetected ?? 0), 0);
  checks.push({ target: 'detection never early (close >= last activity + timeout)', figure: `${early} early, ${undetected} never expired`, met: early === 0 && undetected === 0 });
  const p99Run = scale ?? kw;
  if (p99Run?.detection) {
    const rounds = p99Run.detectionRounds.map((r) => r.delayMs.p99.toFixed(1)).join(' / ');
    const p99 = p99Run.detectionP99MedianMs ?? p99Run.detection.delayMs.p99;
    checks.push({
      target: `detection p99 <= 10 ms with ${formatCount(p99Run.clients)} clients registered (median of rounds)`,
      figure: `p99 ${ms(p99)} (rounds ${rounds} ms), pooled max ${ms(p99Run.detection.delayMs.max)}`,
      met: p99 <= 10,
    });
  }
  const fp = kwRuns.reduce((n, m) => n + (m.losses?.falsePositives ?? 0), 0);
  checks.push({ target: 'zero false positives among live clients', figure: `${fp} in ${kwRuns.length} keepwatch run(s)`, met: fp === 0 });
  if (kw) {
    checks.push({ target: 'RSS per connection <= 1.2 KB', figure: `${(kw.rssPerConnectionBytes / 1024).toFixed(2)} KB`, met: kw.rssPerConnectionBytes <= 1.2 * 1024 });
  }
  if (kw?.idleCpuPct != null && wsb?.idleCpuPct != null && uwsb?.idleCpuPct != null) {
    checks.push({
      target: 'idle CPU (quiet connections, same ping interval) <= both baselines',
      figure: `keepwatch ${kw.idleCpuPct.toFixed(2)} %, ws ${wsb.idleCpuPct.toFixed(2)} %, uWS idle ${uwsb.idleCpuPct.toFixed(2)} %`,
      met: kw.idleCpuPct <= wsb.idleCpuPct && kw.idleCpuPct <= uwsb.idleCpuPct,
    });
  }
  if (ab !== null) {
    checks.push({
      target: 'heartbeat throughput >= 50% of bare uWS echo (interleaved windows)',
      figure: `${formatCount(ab.medians[1])} vs ${formatCount(ab.medians[0])} msg/s, median ratio ${(100 * ab.medianRatio).toFixed(0)} %`,
      met: ab.medianRatio >= 0.5,
    });
  } else if (kw?.throughputPerSec != null && echo?.throughputPerSec != null) {
    const ratio = kw.throughputPerSec / echo.throughputPerSec;
    checks.push({ target: 'heartbeat throughput >= 50% of bare uWS echo', figure: `${formatCount(kw.throughputPerSec)} vs ${formatCount(echo.throughputPerSec)} msg/s = ${(100 * ratio).toFixed(0)} %`, met: ratio >= 0.5 });
  }
  return checks;
}

export function report(s: BenchSettings, same: readonly ServerMeasurement[], scale: ServerMeasurement | null, ab: InterleavedThroughput | null, command: string): void {
  const echo = same.find((m) => m.server === 'uWS echo')?.throughputPerSec ?? null;
  const all = scale === null ? same : [...same, scale];
  printTable(
    `Gateway benchmark (${s.mode}): same load on every server, ${formatCount(s.connections)} connections, medians of ${s.repeats}`,
    ['server [scenario]', 'conns', 'clients', 'RSS/conn', 'RSS/client', 'idle CPU', 'WS pings/s', 'ka_pings/s', 'heartbeats/s', 'vs echo'],
    all.map((m) => [
      `${m.server} [${m.scenario}]`,
      formatCount(m.connections),
      formatCount(m.clients),
      `${formatCount(m.rssPerConnectionBytes)} B`,
      `${formatCount(m.rssPerClientBytes)} B`,
      opt(m.idleCpuPct, (v) => `${v.toFixed(2)} %`),
      opt(m.wsPingsPerSec, formatCount),
      opt(m.kaPingsPerSec, formatCount),
      opt(m.throughputPerSec, formatCount),
      m.throughputPerSec !== null && echo !== null ? formatRatio(m.throughputPerSec / echo) : '-',
    ]),
  );
  const withDetection = all.filter((m) => m.detection !== null);
  printTable(
    'Detection of SIGSTOPped clients (all rounds pooled): delay = observed close - (last activity + window); negative = closed early',
    ['server [scenario]', 'window', 'silenced', 'expired', 'early', 'min', 'p50', 'p99', 'max', 'p99 per round', 'silence p50', 'false pos.', 'server p99', 'loop lag p99', 'load avg'],
    withDetection.map((m) => {
      const d = m.detection!;
      return [
        `${m.server} [${m.scenario}]`,
        `${(d.windowMs / 1000).toFixed(0)} s`,
        formatCount(d.silenced),
        formatCount(d.detected),
        formatCount(d.early),
        ms(d.delayMs.min),
        ms(d.delayMs.p50),
        ms(d.delayMs.p99),
        ms(d.delayMs.max),
        m.detectionRounds.map((r) => r.delayMs.p99.toFixed(1)).join(' / '),
        ms(d.silenceBeforeCloseMs.p50),
        String(m.losses?.falsePositives ?? '-'),
        m.serverSide?.detectionP99UpToMs != null ? `<= ${m.serverSide.detectionP99UpToMs} ms` : '-',
        ms(m.serverSide?.eventLoopLagP99Ms ?? undefined),
        m.loadAverage.toFixed(1),
      ];
    }),
  );
  if (ab !== null) {
    printTable(
      `Heartbeat throughput, ${ab.servers[0]} and ${ab.servers[1]} up together, alternating windows (${formatCount(ab.connections)} connections each)`,
      ['round', `${ab.servers[0]} msg/s`, `${ab.servers[1]} msg/s`, 'ratio'],
      [
        ...ab.samples.map(([a, b], i) => [String(i + 1), formatCount(a), formatCount(b), formatRatio(b / a)]),
        ['median', formatCount(ab.medians[0]), formatCount(ab.medians[1]), formatRatio(ab.medianRatio)],
      ],
    );
  }
  const targets = checkTargets(s, same, scale, ab);
  printTable('issue 4 targets', ['target', 'figure', 'result'], targets.map((t) => [t.target, t.figure, passFail(t.met)]));
  const name = s.mode === 'full' ? 'gateway' : 'gateway-quick';
  const json = writeResultsJson(name, { settings: s, command, measurements: all, interleavedThroughput: ab, targets });
  const svg = writeLatencyChart(name, 'Gateway: how far from the deadline a SIGSTOPped client is closed', [
    {
      scenario: `|close - (last activity + window)|, early or late (windows: keepwatch its timeout_ms, ws 2 x ${s.pingIntervalMs / 1000} s, uWS ${s.uwsIdleTimeoutS} s)`,
      series: withDetection.map((m) => chartSeries(`${m.server} [${m.scenario}]`, m.detection!.absDelayMs)),
    },
    {
      scenario: 'keepwatch: close minus deadline (never negative)',
      series: withDetection.filter((m) => m.server === 'keepwatch').map((m) => chartSeries(`keepwatch [${m.scenario}]`, m.detection!.delayMs)),
    },
  ]);
  process.stdout.write(`\nwrote ${json}\nwrote ${svg}\n`);
}
