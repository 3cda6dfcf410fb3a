/**
 * Every file in examples/ runs against a real gateway, as a user would run
 * it: the Node examples as child processes, the browser page in Chromium.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openPage, useBrowser } from '../helpers/browser.js';
import { useGateway, type GatewayProcess } from '../gateway/helpers/gateway-process.js';

const example = (name: string) => fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Short settings so a test sees several pings and timeouts in seconds. */
const TIMEOUT_MS = 1500;
const PING_INTERVAL_MS = 300;

interface ExampleRun {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<number | null>;
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function runExample(name: string, args: string[]): ExampleRun {
  const child = spawn(process.execPath, [example(name), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  running.push(child);
  const lines: string[] = [];
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, exited };
}

async function statusIds(gateway: GatewayProcess): Promise<string[]> {
  const { status, text } = await gateway.get('/status?limit=1000');
  expect(status).toBe(200);
  const body = JSON.parse(text) as { connections?: { client_id: string }[]; clients?: { client_id: string }[] };
  return (body.connections ?? body.clients ?? []).map((entry) => entry.client_id);
}

/** The client's round trip in /status: measured only when the example echoes each ka_ping's seq. */
async function rttOf(gateway: GatewayProcess, clientId: string): Promise<number | null | undefined> {
  const body = JSON.parse((await gateway.get('/status?limit=1000')).text) as { connections: { client_id: string; rtt_ms: number | null }[] };
  return body.connections.find((entry) => entry.client_id === clientId)?.rtt_ms;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('examples/', () => {
  const gateway = useGateway();

  it('node-client.mjs stays online by answering ka_ping, and is expired once it stops', async () => {
    const clientId = `example-node-${process.pid}`;
    const run = runExample('node-client.mjs', [gateway.wsUrl(), clientId, String(TIMEOUT_MS), String(PING_INTERVAL_MS)]);
    await until(() => run.lines.some((l) => l.includes('"ka_register_ok"')), 10_000, 'ka_register_ok');
    // Three timeouts long: only its answers to the pings keep it registered.
    await sleep(3 * TIMEOUT_MS);
    expect(run.lines.filter((l) => l.includes('"ka_ping"')).length).toBeGreaterThanOrEqual(3);
    expect(await statusIds(gateway)).toContain(clientId);
    // It echoes each ka_ping's seq in its ka_pong: the gateway measured its round trip.
    expect(await rttOf(gateway, clientId)).toBeGreaterThan(0);
    // A hung application: the process is stopped, its socket stays open.
    run.child.kill('SIGSTOP');
    await until(async () => !(await statusIds(gateway)).includes(clientId), 4 * TIMEOUT_MS, 'the stopped client to expire');
    run.child.kill('SIGKILL');
  }, 60_000);

  it('multiplex-edge.mjs keeps its live devices and gets ka_expired for the silent one', async () => {
    const run = runExample('multiplex-edge.mjs', [gateway.wsUrl(), '3', String(TIMEOUT_MS)]);
    expect(await Promise.race([run.exited, sleep(8 * TIMEOUT_MS).then(() => 'timeout')])).toBe(0);
    const expired = run.lines.map((l) => JSON.parse(l) as { type: string; client_id?: string }).filter((m) => m.type === 'ka_expired');
    expect(expired.map((m) => m.client_id)).toEqual([`edge-${run.child.pid}-dev-2`]);
  }, 60_000);

  describe('in a browser', () => {
    const browser = useBrowser();

    it('browser.html registers from the page, answers ka_ping, and stays online', async () => {
      const clientId = `example-tab-${process.pid}`;
      const query = new URLSearchParams({
        url: gateway.wsUrl(),
        client_id: clientId,
        timeout_ms: String(TIMEOUT_MS),
        ping_interval_ms: String(PING_INTERVAL_MS),
      });
      const tab = await openPage(browser());
      try {
        await tab.page.goto(`file://${example('browser.html')}?${query}`);
        await tab.page.waitForSelector('#log:has-text("ka_register_ok")');
        await sleep(3 * TIMEOUT_MS);
        const log = (await tab.page.textContent('#log')) ?? '';
        expect(log.match(/"ka_ping"/g)?.length ?? 0).toBeGreaterThanOrEqual(3);
        expect(log).not.toContain('closed');
        expect(await statusIds(gateway)).toContain(clientId);
        expect(await rttOf(gateway, clientId)).toBeGreaterThan(0);
        await tab.screenshot('browser-example-online');
        expect(tab.errors).toEqual([]);
      } finally {
        await tab.close();
      }
    }, 90_000);
  });
});
