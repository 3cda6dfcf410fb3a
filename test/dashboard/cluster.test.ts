/**
 * The dashboard of a cluster member (--redis): the page lists the fleet's
 * nodes (GET /cluster) with their incarnations, leases and client counts,
 * and a gateway that dies leaves the list once its lease lapses and it is
 * reaped. A real Redis (its own redis-server on a free port), two real
 * gateways, real clients, the page in Debian's Chromium.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openPage, useBrowser, type TestPage } from '../helpers/browser.js';
import type { GatewayProcess } from '../gateway/helpers/gateway-process.js';
import { TestClient } from '../gateway/helpers/ws-client.js';
import { Fleet } from '../cluster/helpers/fleet.js';

/** Short, so that a killed gateway lapses and is reaped within seconds. */
const LEASE_MS = 1500;

describe('dashboard of a cluster member', () => {
  const browser = useBrowser();
  let fleet: Fleet;
  let a: GatewayProcess;
  let b: GatewayProcess;
  let tab: TestPage;
  const clients: TestClient[] = [];

  const connect = async (gw: GatewayProcess, id: string, options: { autoPong?: boolean; timeoutMs?: number } = {}): Promise<TestClient> => {
    const client = await TestClient.open(gw.wsUrl(), { autoPong: options.autoPong });
    clients.push(client);
    await client.register(id, options.timeoutMs ?? 600_000, Math.min(30_000, (options.timeoutMs ?? 600_000) / 3));
    return client;
  };

  beforeAll(async () => {
    fleet = await Fleet.start('standalone');
    [a, b] = await Promise.all(['gw-a', 'gw-b'].map((id) => fleet.gateway(id, ['--cluster-lease-ms', String(LEASE_MS), '--ping-jitter-ms', '0'])));
    for (let i = 0; i < 3; i++) await connect(a, `on-a-${i}`);
    for (let i = 0; i < 2; i++) await connect(b, `on-b-${i}`);
    tab = await openPage(browser());
    await tab.page.goto(a.url('/dashboard'));
    await tab.page.waitForSelector('body[data-ready="true"]');
  }, 120_000);
  afterEach(() => {
    expect(tab.errors).toEqual([]);
  });
  afterAll(async () => {
    for (const c of clients) c.terminate();
    await tab?.close();
    await fleet?.stop();
  }, 30_000);

  /** The nodes table as [node, incarnation, clients, lease state, self?] rows. */
  const nodeRows = (): Promise<string[][]> =>
    tab.page.$$eval('#nodes tbody tr', (trs) =>
      trs.map((tr) => [
        tr.getAttribute('data-node') ?? '',
        tr.getAttribute('data-incarnation') ?? '',
        tr.children[3].textContent ?? '',
        tr.children[4].getAttribute('data-lease') ?? '',
        tr.classList.contains('self') ? 'self' : '',
      ]),
    );

  it('lists both gateways with their incarnations, leases held and the clients each reported', async () => {
    const [incA, incB] = await Promise.all([fleet.incarnationOf(a), fleet.incarnationOf(b)]);
    await expect
      .poll(nodeRows, { timeout: 10_000 })
      .toEqual([
        ['gw-a', incA, '3', 'held', 'self'],
        ['gw-b', incB, '2', 'held', ''],
      ]);
    expect(await tab.page.isVisible('#nodes')).toBe(true);
    await expect.poll(() => tab.page.textContent('[data-k="nodes"]'), { timeout: 5000 }).toBe('2');
    expect(await tab.page.textContent('#nodes .state')).toBe('2 nodes, 5 clients at their latest renewals');
  });

  it("shows the page's gateway live with an expiry, as in the README's screenshot", async () => {
    const silent = await connect(a, 'silent-on-a', { autoPong: false, timeoutMs: 900 });
    expect((await silent.closed).code).toBe(4000);
    await tab.page.locator('#feed li.expired[data-client="silent-on-a"]').waitFor({ timeout: 10_000 });
    await tab.page.locator('#clients tbody tr[data-client="on-a-0"]').waitFor({ timeout: 10_000 });
    // The charts are built one per task after the first paint: all five before the picture.
    await expect.poll(() => tab.page.locator('#charts .uplot').count(), { timeout: 10_000 }).toBe(5);
    await tab.screenshot('01-cluster-live');
  });

  it('drops a SIGKILLed gateway once its lease lapses and it is reaped', async () => {
    b.child.kill('SIGKILL');
    await b.exited;
    const incA = await fleet.incarnationOf(a);
    // Lease 1.5 s, reap checks every 50 ms, the page reads every 2 s: well within 15 s on a loaded machine.
    await expect.poll(nodeRows, { timeout: 15_000 }).toEqual([['gw-a', incA, '3', 'held', 'self']]);
    expect(await tab.page.textContent('[data-k="nodes"]')).toBe('1');
    await tab.screenshot('02-node-gone');
  });
});
