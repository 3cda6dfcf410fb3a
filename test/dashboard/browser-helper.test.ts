/**
 * The browser-test helper itself: Debian's Chromium starts headless, loads
 * a loopback page, reports the page's console errors and uncaught
 * exceptions, and writes a real PNG screenshot under test-output/.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, TEST_OUTPUT_DIR, useBrowser } from '../helpers/browser.js';

const PAGE = `<!doctype html><html><head><title>helper check</title></head><body>
<h1 id="title">ready</h1>
<button id="fail" onclick="console.error('clicked: broken'); setTimeout(() => { throw new Error('boom later'); })">fail</button>
</body></html>`;

describe('browser test helper', () => {
  const browser = useBrowser();
  let server: Server;
  let base = '';

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('loads a loopback page with no errors recorded', async () => {
    const tab = await openPage(browser());
    try {
      await tab.page.goto(base);
      await expect.poll(() => tab.page.textContent('#title')).toBe('ready');
      expect(tab.errors).toEqual([]);
    } finally {
      await tab.close();
    }
  });

  it('records console errors and uncaught exceptions', async () => {
    const tab = await openPage(browser());
    try {
      await tab.page.goto(base);
      await tab.page.click('#fail');
      await expect.poll(() => tab.errors.length, { timeout: 10_000 }).toBe(2);
      expect(tab.errors[0]).toBe('console.error: clicked: broken');
      expect(tab.errors[1]).toContain('boom later');
    } finally {
      await tab.close();
    }
  });

  it('writes a PNG screenshot under test-output/<test file>/', async () => {
    const tab = await openPage(browser());
    try {
      await tab.page.goto(base);
      const path = await tab.screenshot('helper page');
      expect(path.startsWith(TEST_OUTPUT_DIR)).toBe(true);
      expect(path.endsWith('browser-helper/helper-page.png')).toBe(true);
      const png = readFileSync(path);
      expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      expect(png.length).toBeGreaterThan(1000);
    } finally {
      await tab.close();
    }
  });
});
