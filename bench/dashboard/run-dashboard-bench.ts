/**
 * `npm run bench:dashboard`: the dashboard's targets, measured.
 *   1. /dashboard with 100,000 clients registered (10 connections x 10,000
 *      client_ids): first contentful paint (target < 1 s), and the client
 *      table paged through with no main-thread task over 200 ms (the
 *      browser's longtask entries).
 *   2. Gateway CPU at 15,000 connections with one dashboard open vs none
 *      (target: at most +1 percentage point), alternating windows.
 * Flags: --threads N (the gateway's I/O threads, default 1), --visits,
 * --pairs (0: the page figures only), --window-seconds, --clients,
 * --connections. Each visit prints what its longest task was made of.
 * Loopback only; every gateway and load child is stopped by PID at the end.
 * Writes bench/results/dashboard.json.
 */
import { loadavg } from 'node:os';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../scripts/browser/chromium.js';
import { benchFlags } from '../lib/bench-flags.js';
import { writeResultFile } from '../lib/results-dir.js';
import { ServerProcess } from '../gateway/server-process.js';
import { loadClients, startBenchGateway } from './bench-gateway.js';
import { measureCpuOverhead, type CpuOverhead } from './cpu-overhead.js';
import { visitDashboard, type PageTimings } from './page-timings.js';

const values = benchFlags('npm run bench:dashboard --', {
  clients: { type: 'string', default: '100000' },
  connections: { type: 'string', default: '15000' },
  visits: { type: 'string', default: '3' },
  'window-seconds': { type: 'string', default: '15' },
  pairs: { type: 'string', default: '3' },
  // The gateway's I/O threads (the stream, table and kick are the whole process's on any number).
  threads: { type: 'string', default: '1' },
  'max-seconds': { type: 'string', default: '900' },
});
const CLIENTS = Number(values.clients);
const CONNECTIONS = Number(values.connections);
const VISITS = Number(values.visits);
const WINDOW_MS = Number(values['window-seconds']) * 1000;
const PAIRS = Number(values.pairs);
const THREADS = Number(values.threads);

async function pageTargets(browser: Browser): Promise<{ clients: number; visits: PageTimings[] }> {
  const gateway = await startBenchGateway('keepwatch-100k', THREADS);
  const perMux = 10_000;
  // Long timeouts: nothing is pinged or expires while the page is measured.
  const load = await loadClients(gateway.port, {
    connections: Math.ceil(CLIENTS / perMux),
    muxConnections: Math.ceil(CLIENTS / perMux),
    idsPerMux: perMux,
    timeoutMs: 600_000,
    pingIntervalMs: 300_000,
    heartbeatIntervalMs: 0,
  });
  try {
    const visits: PageTimings[] = [];
    for (let i = 0; i < VISITS; i++) visits.push(await visitDashboard(browser, gateway.port, 10));
    return { clients: CLIENTS, visits };
  } finally {
    load.stop();
    await gateway.stop();
  }
}

async function cpuTarget(browser: Browser): Promise<CpuOverhead & { connections: number; heartbeatIntervalMs: number }> {
  const gateway = await startBenchGateway('keepwatch-15k', THREADS);
  const heartbeatIntervalMs = 5000;
  const load = await loadClients(gateway.port, {
    connections: CONNECTIONS,
    muxConnections: 0,
    idsPerMux: 2,
    timeoutMs: 30_000,
    pingIntervalMs: 10_000,
    heartbeatIntervalMs,
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, 5000));
    return { connections: CONNECTIONS, heartbeatIntervalMs, ...(await measureCpuOverhead(browser, gateway.port, gateway.pid, WINDOW_MS, PAIRS)) };
  } finally {
    load.stop();
    await gateway.stop();
  }
}

function writeResults(page: { clients: number; visits: PageTimings[] }, fcp: number, longest: number, longestCpu: number, cpu: object | undefined): void {
  const path = writeResultFile(
    'dashboard',
    'json',
    `${JSON.stringify({ measuredAt: new Date().toISOString(), loadAverage: loadavg(), args: process.argv.slice(2), page: { ...page, firstPaintMedianMs: fcp, longestTaskMs: longest, longestTaskCpuMs: longestCpu }, cpu }, null, 2)}\n`,
  );
  process.stdout.write(`written ${path}\n`);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

async function main(): Promise<void> {
  const bound = setTimeout(() => {
    process.stderr.write(`bench:dashboard: --max-seconds reached; stopping\n`);
    ServerProcess.killAll();
    process.exit(2);
  }, Number(values['max-seconds']) * 1000);
  bound.unref();
  const browser = await launchChromium();
  try {
    // --visits 0: the CPU comparison only.
    const page = VISITS > 0 ? await pageTargets(browser) : { clients: CLIENTS, visits: [] };
    const fcp = median(page.visits.map((v) => v.firstPaintMs));
    const longest = Math.max(...page.visits.map((v) => v.longestTaskMs));
    const longestCpu = Math.max(...page.visits.map((v) => v.longestTaskCpuMs));
    if (page.visits.length > 0) process.stdout.write(
      `--threads ${THREADS}, ${CLIENTS.toLocaleString('en-US')} clients: first paint median ${fcp.toFixed(0)} ms (target < 1000), live ${median(page.visits.map((v) => v.liveMs)).toFixed(0)} ms, ` +
        `table ${median(page.visits.map((v) => v.tableMs)).toFixed(0)} ms; paging step median ${median(page.visits.flatMap((v) => v.stepsMs))} ms; ` +
        `longest main-thread task ${longest.toFixed(0)} ms wall, ${longestCpu.toFixed(0)} ms of CPU (target <= 200); load average ${loadavg()[0].toFixed(1)}\n` +
        page.visits.map((v, i) => `  visit ${i + 1}, longest task in the trace: ${v.longestTaskParts.join('; ')}\n`).join(''),
    );
    // --pairs 0: the page figures only.
    if (PAIRS === 0) {
      writeResults(page, fcp, longest, longestCpu, undefined);
      return;
    }
    const cpu = await cpuTarget(browser);
    process.stdout.write(
      `${CONNECTIONS} connections: gateway CPU ${cpu.withoutPercent.toFixed(2)}% without a dashboard, ${cpu.withPercent.toFixed(2)}% with one: ` +
        `${cpu.deltaPoints >= 0 ? '+' : ''}${cpu.deltaPoints.toFixed(2)} points (target <= +1)\n`,
    );
    writeResults(page, fcp, longest, longestCpu, cpu);
  } finally {
    await browser.close();
    ServerProcess.killAll();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:dashboard: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  ServerProcess.killAll();
  process.exit(1);
});
