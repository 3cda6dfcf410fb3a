import { loadUws, type Uws } from '../../src/transports/gateway/native-uws.js';

/**
 * The uWS module, refusing the package's silent pure-JS fallback: a baseline
 * measured on the fallback would compare keepwatch with the wrong server.
 */
export function nativeUws(): Uws {
  const loaded = loadUws();
  if (!loaded.native) throw new Error('uWebSockets.js loaded its pure-JS fallback, not the native binary');
  return loaded.uws;
}
