/**
 * Browser tests: Debian's Chromium, headless, driven by playwright-core
 * through its executablePath (Playwright's own browser download is not
 * used). One browser per test file (`useBrowser`), a fresh context per page
 * (`openPage`), so cookies and storage never leak between tests.
 *
 * Every page records its console errors and uncaught exceptions, so a test
 * can assert that a page ran cleanly; `screenshot` writes PNGs under
 * test-output/<test file>/ for a person to look at after the run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const INSTALL_SCRIPT = join(REPO_ROOT, 'scripts/ci/install-chromium.sh');
/** Where screenshots go; ignored by git. */
export const TEST_OUTPUT_DIR = join(REPO_ROOT, 'test-output');

export const CHROMIUM_PATH = process.env.KEEPWATCH_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Headless, no sandbox (the tests may run as root), and none of Chromium's
 * background traffic (component updates, sync, safe browsing, metrics): the
 * test machines have a closed network, where each of those connections is
 * refused or hangs and slows the start.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--disable-breakpad',
  '--metrics-recording-only',
  '--safebrowsing-disable-auto-update',
  '--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,CertificateTransparencyComponentUpdater',
];

/** Below the per-file watchdog (240 s): a slow install fails with its own message. */
const INSTALL_TIMEOUT_MS = 200_000;

/** Runs the project's install script when Chromium is missing (.ci/run runs it up front, outside any test). */
function ensureChromium(): void {
  if (existsSync(CHROMIUM_PATH)) return;
  execFileSync(INSTALL_SCRIPT, { stdio: ['ignore', 'inherit', 'inherit'], timeout: INSTALL_TIMEOUT_MS });
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium is not at ${CHROMIUM_PATH} after ${INSTALL_SCRIPT}`);
}

export async function launchBrowser(): Promise<Browser> {
  ensureChromium();
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS],
    timeout: 60_000,
  });
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
