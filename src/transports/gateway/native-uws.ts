import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type Uws = typeof import('uWebSockets.js');

export interface LoadedUws {
  uws: Uws;
  /** False when the pure-JS server was taken (no native build loads here, or UWS_USE_FALLBACK asked for it). */
  native: boolean;
  /** One line saying which build was taken, or why no native build loads and what to run instead. */
  report: string;
}

/** What picks a native build: the running Node's ABI, platform, CPU and C library. */
export interface UwsRuntime {
  nodeVersion: string;
  /** process.versions.modules: the ABI a .node file is built against (115 = Node 20, 127 = 22, 137 = 24). */
  abi: string;
  platform: string;
  arch: string;
  /** glibc of the running process ('2.36'), null elsewhere (musl, macOS, Windows). */
  glibc: string | null;
  /** UWS_USE_FALLBACK, which the package honours: the pure-JS server on purpose. */
  forceFallback: boolean;
}

const require = createRequire(import.meta.url);

/** Node major of each ABI the registry's uWS packages ship builds for. */
const NODE_OF_ABI: Readonly<Record<string, string>> = { '83': '14', '93': '16', '108': '18', '115': '20', '120': '21', '127': '22', '137': '24', '141': '25' };

/**
 * What the npm registry offered when this was measured (README, "Runtime
 * support"): Node 22/24 builds of uWS exist only linked against glibc 2.38
 * (__isoc23_strtol and friends), so on an older glibc the advice is Node 20.
 */
const NO_NEWER_BUILD =
  'no npm package ships a uWS build for Node 22/24 that loads with glibc < 2.38 (@btc-vision/uwebsockets.js 20.57.0 and uwebsockets 3.0.6 need GLIBC_2.38)';

export function currentRuntime(env: NodeJS.ProcessEnv = process.env): UwsRuntime {
  // The diagnostic report's header is the one place Node says which glibc it runs on (typed as a bare object).
  const { header } = process.report.getReport() as { header: { glibcVersionRuntime?: string } };
  return {
    nodeVersion: process.version,
    abi: process.versions.modules,
    platform: process.platform,
    arch: process.arch,
    glibc: header.glibcVersionRuntime ?? null,
    forceFallback: ['1', 'true', 'True', 'TRUE'].includes(env.UWS_USE_FALLBACK ?? ''),
  };
}

/**
 * Loads uWebSockets.js for this runtime, choosing the native build ourselves
 * rather than through the package's own entry, which on a missing or
 * unloadable binary prints several lines to the console and silently hands
 * back its slow pure-JS server. Here the fallback is taken only with a
 * report saying why, and the caller decides whether to serve on it.
 */
export function loadUws(runtime: UwsRuntime = currentRuntime()): LoadedUws {
  const pkgDir = dirname(require.resolve('uWebSockets.js/package.json'));
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { name: string; version: string };
  const from = `${pkg.name}@${pkg.version}`;
  const file = `uws_${runtime.platform}_${runtime.arch}_${runtime.abi}.node`;
  const where = `${runtime.platform}-${runtime.arch}, glibc ${runtime.glibc ?? 'none'}`;
  const fallback = (): Uws => require(join(pkgDir, 'dist', 'index.js')) as Uws;
  if (runtime.forceFallback) return { uws: fallback(), native: false, report: `uWebSockets.js: pure-JS fallback of ${from} (UWS_USE_FALLBACK is set)` };
  const path = join(pkgDir, 'binaries', file);
  if (!existsSync(path)) {
    const have = shippedAbis(join(pkgDir, 'binaries'), runtime).map((abi) => `${abi} (Node ${NODE_OF_ABI[abi] ?? '?'})`).join(', ');
    const advice = runtime.glibc === null || compareVersions(runtime.glibc, '2.38') < 0 ? `; ${NO_NEWER_BUILD}` : '';
    return {
      uws: fallback(),
      native: false,
      report: `uWebSockets.js: no native build for Node ${runtime.nodeVersion} (ABI ${runtime.abi}, ${where}): looked for binaries/${file} in ${from}, which ships ABI ${have || 'none'} for ${runtime.platform}-${runtime.arch}${advice}; run keepwatch on Node 20 (>= 20.19)`,
    };
  }
  try {
    const uws = require(path) as Uws;
    return { uws, native: true, report: `uWebSockets.js: native build binaries/${file} of ${from} (Node ${runtime.nodeVersion}, ABI ${runtime.abi}, ${where})` };
  } catch (error) {
    const why = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    return { uws: fallback(), native: false, report: `uWebSockets.js: native build binaries/${file} of ${from} did not load (${why}); run keepwatch on Node 20 (>= 20.19)` };
  }
}

/** The ABIs the package ships for this platform and CPU, oldest first. */
function shippedAbis(binaries: string, runtime: UwsRuntime): string[] {
  const prefix = `uws_${runtime.platform}_${runtime.arch}_`;
  return readdirSync(binaries)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.node'))
    .map((f) => f.slice(prefix.length, -'.node'.length))
    .sort((a, b) => Number(a) - Number(b));
}

function compareVersions(a: string, b: string): number {
  const [pa, pb] = [a.split('.').map(Number), b.split('.').map(Number)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
