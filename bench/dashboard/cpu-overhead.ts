import type { Browser } from 'playwright-core';
import { readCpuSeconds } from '../gateway/proc-stats.js';
import { openDashboard } from './page-timings.js';

export interface CpuWindow {
  dashboard: boolean;
  /** Gateway CPU over the window, percent of one core. */
  cpuPercent: number;
}

export interface CpuOverhead {
  windows: CpuWindow[];
  withoutPercent: number;
  withPercent: number;
  /** with - without, percentage points. */
  deltaPoints: number;
}

/**
 * Gateway CPU with and without one dashboard open, in alternating windows
 * (A B B A ..., so a drift in the machine's load falls on both sides
 * alike). The page is opened before its window starts (its first load is
 * not counted) and closed after; the windows measure the steady cost: the
 * 1 Hz stream, the table's refresh, the "about to expire" scan.
 */
export async function measureCpuOverhead(browser: Browser, port: number, pid: number, windowMs: number, pairs: number): Promise<CpuOverhead> {
  const windows: CpuWindow[] = [];
  const measure = async (dashboard: boolean): Promise<void> => {
    const open = dashboard ? await openDashboard(browser, port) : undefined;
    try {
      // Let the page's first table query and scan pass before measuring.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const cpu0 = readCpuSeconds(pid);
      const t0 = performance.now();
      await new Promise((resolve) => setTimeout(resolve, windowMs));
      const cpu = readCpuSeconds(pid) - cpu0;
      windows.push({ dashboard, cpuPercent: (cpu / ((performance.now() - t0) / 1000)) * 100 });
    } finally {
      await open?.close();
    }
  };
  for (let i = 0; i < pairs; i++) {
    const order = i % 2 === 0 ? [false, true] : [true, false];
    for (const dashboard of order) await measure(dashboard);
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const withoutPercent = mean(windows.filter((w) => !w.dashboard).map((w) => w.cpuPercent));
  const withPercent = mean(windows.filter((w) => w.dashboard).map((w) => w.cpuPercent));
  return { windows, withoutPercent, withPercent, deltaPoints: withPercent - withoutPercent };
}
