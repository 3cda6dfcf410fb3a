import { createRequire } from 'node:module';

export type Uws = typeof import('uWebSockets.js');

export interface LoadedUws {
  uws: Uws;
  /** False when the package fell back to its slow pure-JS server. */
  native: boolean;
}

const require = createRequire(import.meta.url);

/**
 * The registry build of uWebSockets.js silently swaps in a pure-JS server
 * when its native binary does not load (or UWS_USE_FALLBACK is set). The
 * fallback is the very module at dist/index.js, so identity tells which.
 */
export function loadUws(): LoadedUws {
  const uws = require('uWebSockets.js') as Uws;
  const fallback: unknown = require('uWebSockets.js/dist/index.js');
  return { uws, native: uws !== fallback };
}
