/**
 * Browser tests: Debian's Chromium, headless, driven by playwright-core
 * (scripts/browser/chromium.ts has the launch recipe). One browser per test file (`useBrowser`), a fresh context per page
 * (`openPage`), so cookies and storage never leak between tests.
 *
 * Every page records its console errors and uncaught exceptions, so a test
 * can assert that a page ran cleanly; `screenshot` writes PNGs under
 * test-output/<test file>/ for a person to look at after the run.
 */
import { mkdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { launchChromium } from '../../scripts/browser/chromium.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Where screenshots go; ignored by git. */
export const TEST_OUTPUT_DIR = join(REPO_ROOT, 'test-output');

/** Below the per-file watchdog (240 s): a slow install fails with its own message. */
const INSTALL_TIMEOUT_MS = 200_000;

export function launchBrowser(): Promise<Browser> {
  return launchChromium(INSTALL_TIMEOUT_MS);
}

/** A page in its own context, with what went wrong on it recorded. */
export interface TestPage {
  readonly page: Page;
  readonly context: BrowserContext;
  /** console.error messages and uncaught exceptions, in order. */
  readonly errors: string[];
  /** Writes test-output/<test file>/<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openPage(browser: Browser, options: { viewport?: { width: number; height: number } } = {}): Promise<TestPage> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console.error: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  // Generous: a loaded 2-core machine can take seconds for a first paint.
  page.setDefaultTimeout(15_000);
  return {
    page,
    context,
    errors,
    screenshot: (name) => screenshot(page, name),
    close: () => context.close(),
  };
}

async function screenshot(page: Page, name: string): Promise<string> {
  const testFile = expect.getState().testPath ?? 'unknown';
  const dir = join(TEST_OUTPUT_DIR, basename(testFile).replace(/\.test\.ts$/, ''));
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * One browser for a test file: launched before its tests, closed after.
 * The returned getter throws if called before the launch.
 */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
  }, INSTALL_TIMEOUT_MS + 30_000);
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (browser === undefined) throw new Error('the browser is not launched yet');
    return browser;
  };
}

export { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/browser/chromium.js';
