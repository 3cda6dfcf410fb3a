/**
 * Debian's Chromium, headless, driven by playwright-core through its
 * executablePath (Playwright's own browser download is never used). The one
 * launch recipe for the browser tests (test/helpers/browser.ts) and the
 * dashboard bench (bench/dashboard).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

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

/** The install script, found from this file whether it runs compiled (dist/scripts/browser) or as source (scripts/browser). */
function installScript(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'scripts/ci/install-chromium.sh');
    if (existsSync(candidate)) return candidate;
    dir = resolve(dir, '..');
  }
  throw new Error('scripts/ci/install-chromium.sh not found');
}

/** Runs the project's install script when Chromium is missing (.ci/run runs it up front, outside any test). */
export function ensureChromium(timeoutMs: number): void {
  if (existsSync(CHROMIUM_PATH)) return;
  const script = installScript();
  execFileSync(script, { stdio: ['ignore', 'inherit', 'inherit'], timeout: timeoutMs });
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium is not at ${CHROMIUM_PATH} after ${script}`);
}

export async function launchChromium(installTimeoutMs = 200_000): Promise<Browser> {
  ensureChromium(installTimeoutMs);
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS], timeout: 60_000 });
}
