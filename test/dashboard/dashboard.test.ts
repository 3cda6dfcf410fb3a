/**
 * The dashboard end to end: a real gateway process, real WebSocket clients,
 * and the page in Debian's Chromium. Each state is screenshotted under
 * test-output/dashboard/ for a person to look at.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openPage, useBrowser, type TestPage } from '../helpers/browser.js';
import { useGateway } from '../gateway/helpers/gateway-process.js';
import { holdSince, TestClient } from '../gateway/helpers/ws-client.js';

describe('dashboard in a real browser', () => {
  const gateway = useGateway({ args: ['--ping-jitter-ms', '0', '--threads', '1'] });
  const browser = useBrowser();
  const clients: TestClient[] = [];
  let tab: TestPage;

  const connect = async (options: { autoPong?: boolean } = {}): Promise<TestClient> => {
    const client = await TestClient.open(gateway.wsUrl(), options);
    clients.push(client);
    return client;
  };

  /** Opens /dashboard and waits for the stream's first message. */
  const openDashboard = async (): Promise<TestPage> => {
    const t = await openPage(browser());
    await t.page.goto(gateway.url('/dashboard'));
    await t.page.waitForSelector('body[data-ready="true"]');
    return t;
  };

  beforeAll(async () => {
    tab = await openDashboard();
  });
  afterEach(() => {
    // Every state of the page so far ran without a console error or an uncaught exception.
    expect(tab.errors).toEqual([]);
  });
  afterAll(async () => {
    for (const c of clients) c.terminate();
    await tab?.close();
  });

  it('loads with no console errors and goes live', async () => {
    await expect.poll(() => tab.page.textContent('#link'), { timeout: 10_000 }).toBe('live');
    // The cards show the gateway's figures (a number, not the placeholder).
    await expect.poll(() => tab.page.textContent('[data-k="connections"]'), { timeout: 5000 }).toMatch(/^\d+$/);
    // The charts are built one per task after the page's first run: all five soon.
    await expect.poll(() => tab.page.locator('#charts .uplot').count(), { timeout: 5000 }).toBe(5);
    // A gateway alone: no nodes panel, no nodes card, and the page never asks for /cluster.
    expect(await tab.page.isHidden('#nodes')).toBe(true);
    expect(await tab.page.isHidden('[data-k="nodes"]')).toBe(true);
    await tab.screenshot('01-loaded');
  });

  it('shows a registering client in the table within 2 s', async () => {
    const client = await connect();
    const id = `fresh-${Date.now()}`;
    await client.register(id, 60_000, 30_000);
    const registered = performance.now();
    await tab.page.locator(`#clients tbody tr[data-client="${id}"]`).waitFor({ timeout: 10_000 });
    const tookMs = performance.now() - registered;
    expect(tookMs).toBeLessThan(2000);
    const row = tab.page.locator(`#clients tbody tr[data-client="${id}"] td`);
    expect(await row.nth(2).textContent()).toBe('1 min 0 s');
    expect(await row.nth(3).textContent()).toBe('30.0 s');
    await tab.screenshot('02-client-registered');
  });

  it('puts a silenced client in the expiry feed and the detection histogram', async () => {
    const detectedBefore = await histogramTotal(tab);
    const silent = await connect({ autoPong: false });
    const id = `silent-${Date.now()}`;
    await silent.register(id, 600, 200);
    // It never answers: the gateway expires it and closes its connection (4000).
    const closed = await silent.closed;
    expect(closed.code).toBe(4000);
    const entry = tab.page.locator(`#feed li.expired[data-client="${id}"]`);
    await entry.waitFor({ timeout: 10_000 });
    expect(await entry.textContent()).toMatch(/closed, \d+ ms after its deadline/);
    await expect.poll(() => histogramTotal(tab), { timeout: 10_000 }).toBeGreaterThan(detectedBefore);
    // Never negative: no client was expired before its deadline.
    expect(await tab.page.textContent('[data-k="negative"]')).toBe('0');
    await tab.screenshot('03-expired');
  });

  it('shows a client\'s round trip in the table (latest and SRTT) and charts RTT p50/p99', async () => {
    const rttChart = tab.page.locator('#charts .chart').nth(4);
    const client = await connect();
    const id = `rtt-${Date.now()}`;
    // It answers each ka_ping 30 ms late, echoing its seq: the gateway times the round trip. The hold is
    // 30 ms by performance.now(), not a bare setTimeout(30), which can fire up to 1 ms early on that clock.
    client.ws.on('message', (data) => {
      const at = performance.now();
      const m = JSON.parse((data as Buffer).toString('utf8')) as { type: string; seq?: number };
      if (m.type === 'ka_ping') void holdSince(at, 30).then(() => client.send({ type: 'ka_pong', client_id: id, seq: m.seq }));
    });
    await client.register(id, 60_000, 300);
    await tab.page.fill('#search', id);
    const cell = tab.page.locator(`#clients tbody tr[data-client="${id}"] td`).nth(4);
    await expect.poll(() => cell.textContent(), { timeout: 10_000 }).toMatch(/^\d+\.\d ms \(srtt \d+\.\d ms\)$/);
    const shown = Number(/^([\d.]+) ms/.exec((await cell.textContent()) ?? '')?.[1]);
    // At least the 30 ms hold; the upper bound allows a loaded machine's scheduling.
    expect(shown).toBeGreaterThanOrEqual(30);
    expect(shown).toBeLessThan(30 + 250);
    // The chart's "not measured" overlay goes once a second with round trips has been charted.
    await expect.poll(() => rttChart.locator('.none').isHidden(), { timeout: 10_000 }).toBe(true);
    await tab.screenshot('04-rtt');
    await tab.page.fill('#search', '');
  });

  it('searches by id prefix and pages', async () => {
    const mux = await connect();
    for (let i = 0; i < 120; i++) await mux.register(`page-${String(i).padStart(3, '0')}`, 120_000, 60_000);
    const info = tab.page.locator('#page-info');
    await tab.page.fill('#search', 'page-');
    await expect.poll(() => info.textContent(), { timeout: 10_000 }).toMatch(/^1-50 of 120 \(of \d+\)$/);
    await tab.page.click('#next');
    await expect.poll(() => info.textContent(), { timeout: 10_000 }).toMatch(/^51-100 of 120/);
    await tab.page.click('#last');
    await expect.poll(() => info.textContent(), { timeout: 10_000 }).toMatch(/^101-120 of 120/);
    expect(await tab.page.locator('#clients tbody tr').count()).toBe(20);
    await tab.screenshot('04-paged');

    await tab.page.fill('#search', 'page-11');
    await expect.poll(() => info.textContent(), { timeout: 10_000 }).toMatch(/^1-10 of 10/);
    const ids = await tab.page.locator('#clients tbody tr').evaluateAll((rows: Attributed[]) => rows.map((r) => r.getAttribute('data-client')));
    expect([...ids].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `page-11${i}`));

    // Sorted by last seen: the one just heard from comes first among the most recently seen.
    await mux.request({ type: 'ka_heartbeat', client_id: 'page-113' });
    await tab.page.selectOption('#order', 'newest');
    await expect.poll(() => tab.page.locator('#clients tbody tr').first().getAttribute('data-client'), { timeout: 10_000 }).toBe('page-113');
    await tab.page.selectOption('#order', 'oldest');
    await expect.poll(() => tab.page.locator('#clients tbody tr').last().getAttribute('data-client'), { timeout: 10_000 }).toBe('page-113');
    await tab.screenshot('05-searched');
    await tab.page.fill('#search', '');
  });

  it('kicks a client: its connection closes with 4006', async () => {
    const victim = await connect();
    const id = `kick-${Date.now()}`;
    await victim.register(id, 60_000, 30_000);
    await tab.page.fill('#search', id);
    const button = tab.page.locator(`#clients tbody tr[data-client="${id}"] button.kick`);
    await button.waitFor({ timeout: 10_000 });
    tab.page.once('dialog', (dialog) => void dialog.accept());
    await button.click();
    const closed = await Promise.race([victim.closed, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('not closed')), 10_000))]);
    expect(closed).toMatchObject({ code: 4006, reason: 'kicked by an admin' });
    await tab.page.locator('#feed li.closed', { hasText: 'kicked_by_admin' }).first().waitFor({ timeout: 10_000 });
    await expect.poll(() => tab.page.textContent('#page-info'), { timeout: 10_000 }).toMatch(/^no clients/);
    await tab.screenshot('06-kicked');
    await tab.page.fill('#search', '');
  });
});

/** What the tests read off page elements (the test build has no DOM types). */
interface Attributed {
  getAttribute(name: string): string | null;
}

/** Expiries counted by the page's detection histogram, all buckets. */
async function histogramTotal(tab: TestPage): Promise<number> {
  const counts = await tab.page.locator('#detection .bar').evaluateAll((bars: Attributed[]) => bars.map((b) => Number(b.getAttribute('data-count'))));
  return counts.reduce((a, b) => a + b, 0);
}

describe('dashboard behind an admin token', () => {
  const TOKEN = 'dashboard-test-token-0123456789';
  const gateway = useGateway({ args: ['--admin-token', TOKEN, '--threads', '1'] });
  const browser = useBrowser();

  it('refuses the page, its stream, its table and kick without the token', async () => {
    for (const path of ['/dashboard', '/dashboard/api/stream', '/dashboard/api/clients']) {
      expect((await gateway.get(path)).status, path).toBe(401);
    }
    // The static scripts hold no data: open, so the browser can load them without a header.
    const script = await gateway.get('/dashboard/assets/main.js');
    expect(script.status).toBe(200);
    expect(script.contentType).toMatch(/^text\/javascript/);
    const kick = await fetch(gateway.url('/dashboard/api/kick?client_id=x'), { method: 'POST', signal: AbortSignal.timeout(15_000) });
    expect(kick.status).toBe(401);
  });

  it('works in the browser with ?admin_token=, which the page passes to its stream and table', async () => {
    const victim = await TestClient.open(gateway.wsUrl());
    await victim.register('guarded-client', 60_000, 30_000);
    const tab = await openPage(browser());
    try {
      await tab.page.goto(gateway.url(`/dashboard?admin_token=${TOKEN}`));
      await tab.page.waitForSelector('body[data-ready="true"]');
      await tab.page.locator('#clients tbody tr[data-client="guarded-client"]').waitFor({ timeout: 10_000 });
      expect(tab.errors).toEqual([]);
      await tab.screenshot('07-with-token');
    } finally {
      victim.terminate();
      await tab.close();
    }
  });
});
