import type { Browser, Page } from 'playwright-core';

/** What the browser measured of one visit to /dashboard. */
export interface PageTimings {
  /** First contentful paint, ms after navigation start (the browser's own entry). */
  firstPaintMs: number;
  /** Until the stream's first message was drawn (cards, charts, panels), ms after navigation start. */
  liveMs: number;
  /** Until the client table showed its first page, ms after navigation start. */
  tableMs: number;
  /** Each paging step (click to the new page shown), ms. */
  stepsMs: number[];
  /** Main-thread tasks over 50 ms (the browser's longtask entries, wall time) during the whole visit. */
  longTasks: number;
  longestTaskMs: number;
  /**
   * The same tasks from Chromium's trace (RunTask on the renderer's main
   * thread): the longest by wall time and by the thread's own CPU time.
   * On a shared, loaded machine wall time includes waiting for a core;
   * CPU time is the page's own work.
   */
  longestTraceTaskMs: number;
  longestTaskCpuMs: number;
  /** What the longest task (by wall time) was made of: its longest inner trace events, e.g. "EvaluateScript main.js: 41.2 ms (cpu 30.1)". */
  longestTaskParts: string[];
}

/** Records every longtask entry from the first script on, in the page itself. */
const LONG_TASK_OBSERVER = `
  window.__longTasks = [];
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); })
    .observe({ type: 'longtask', buffered: true });
`;

/**
 * Opens /dashboard in a fresh context, waits for it to be live, then pages
 * the client table: next x `nextSteps`, last, first, a prefix search (m1-1: about
 * 1,111 of the load tool's ids when it has 2 or more multiplexed connections), the
 * other order, the search cleared. Every step waits for the table's page
 * line to change (the gateway answered and the page drew it).
 */
export async function visitDashboard(browser: Browser, port: number, nextSteps: number): Promise<PageTimings> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  let tracing = false;
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(60_000);
    await page.addInitScript(LONG_TASK_OBSERVER);
    await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
    tracing = true;
    await page.goto(`http://127.0.0.1:${port}/dashboard`);
    await page.waitForSelector('body[data-ready="true"]');
    const liveMs = await page.evaluate(() => performance.now());
    await page.waitForFunction("document.querySelectorAll('#clients tbody tr').length > 0");
    const tableMs = await page.evaluate(() => performance.now());
    const firstPaintMs = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1);
    const stepsMs: number[] = [];
    // What the table shows: its page line and its first and last rows (a new order keeps the line, not the rows).
    const SHOWN = `[document.querySelector('#page-info')?.textContent, document.querySelector('#clients tbody tr')?.dataset.client, document.querySelector('#clients tbody tr:last-child')?.dataset.client].join('|')`;
    const step = async (act: () => Promise<void>): Promise<void> => {
      const before = (await page.evaluate(SHOWN)) as string;
      const started = Date.now();
      await act();
      await page.waitForFunction(`${SHOWN} !== ${JSON.stringify(before)}`);
      stepsMs.push(Date.now() - started);
    };
    for (let i = 0; i < nextSteps; i++) await step(() => page.click('#next'));
    await step(() => page.click('#last'));
    await step(() => page.click('#first'));
    await step(() => page.fill('#search', 'm1-1'));
    await step(async () => {
      await page.selectOption('#order', 'newest');
    });
    await step(() => page.fill('#search', ''));
    // Ticks keep coming meanwhile: let a few more land in the observation.
    await page.waitForTimeout(3000);
    const tasks = (await page.evaluate('window.__longTasks')) as number[];
    const trace = longestMainThreadTask(await browser.stopTracing());
    tracing = false;
    return {
      firstPaintMs,
      liveMs,
      tableMs,
      stepsMs,
      longTasks: tasks.length,
      longestTaskMs: tasks.length === 0 ? 0 : Math.max(...tasks),
      longestTraceTaskMs: trace.wallMs,
      longestTaskCpuMs: trace.cpuMs,
      longestTaskParts: trace.parts,
    };
  } finally {
    if (tracing) await browser.stopTracing().catch(() => undefined);
    await context.close();
  }
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string; data?: { url?: string; functionName?: string; type?: string } };
}

/** Inner events of the longest task listed (the longest first). */
const PARTS_LISTED = 8;

/**
 * The longest RunTask on a renderer main thread (CrRendererMain), by wall
 * and by thread CPU time, ms; and what the longest by wall was made of:
 * the longest complete events nested in it (script evaluation, a function
 * call with its name, layout, style, paint), so the bench says what to cut.
 */
function longestMainThreadTask(trace: Buffer): { wallMs: number; cpuMs: number; parts: string[] } {
  const events = (JSON.parse(trace.toString('utf8')) as { traceEvents: TraceEvent[] }).traceEvents;
  const main = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const onMain = events.filter((e) => e.ph === 'X' && main.has(`${e.pid}:${e.tid}`));
  let longest: TraceEvent | undefined;
  let cpu = 0;
  for (const e of onMain) {
    if (e.name !== 'RunTask') continue;
    if (longest === undefined || (e.dur ?? 0) > (longest.dur ?? 0)) longest = e;
    cpu = Math.max(cpu, (e.tdur ?? 0) / 1000);
  }
  if (longest === undefined) return { wallMs: 0, cpuMs: 0, parts: [] };
  const task = longest;
  const end = task.ts + (task.dur ?? 0);
  const parts = onMain
    .filter((e) => e !== task && e.pid === task.pid && e.tid === task.tid && e.ts >= task.ts && e.ts + (e.dur ?? 0) <= end)
    .sort((a, b) => (b.dur ?? 0) - (a.dur ?? 0))
    .slice(0, PARTS_LISTED)
    .map((e) => {
      const data = e.args?.data;
      const what = [data?.functionName, data?.type, data?.url?.replace(/^.*\//, '')].filter((x) => x !== undefined && x !== '').join(' ');
      return `${e.name}${what === '' ? '' : ` ${what}`}: ${((e.dur ?? 0) / 1000).toFixed(1)} ms (cpu ${((e.tdur ?? 0) / 1000).toFixed(1)})`;
    });
  return { wallMs: (task.dur ?? 0) / 1000, cpuMs: cpu, parts: [`RunTask: ${((task.dur ?? 0) / 1000).toFixed(1)} ms (cpu ${((task.tdur ?? 0) / 1000).toFixed(1)})`, ...parts] };
}

/** Keeps a dashboard open (live stream, table refreshing) until `close` is called. */
export async function openDashboard(browser: Browser, port: number): Promise<{ page: Page; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  await page.goto(`http://127.0.0.1:${port}/dashboard`);
  await page.waitForSelector('body[data-ready="true"]');
  return { page, close: () => context.close() };
}
