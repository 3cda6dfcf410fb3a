import { describe, expect, it } from 'vitest';
import { currentRuntime, loadUws } from '../../src/transports/gateway/native-uws.js';

/**
 * The uWS loader against the installed package's real binaries: on this
 * Node 20 it takes the native build and says which in one line; asked for
 * the ABI of Node 22 or 24 (which the package does not ship), it falls back
 * only with a one-line report of what was looked for and what to run.
 */
describe('uWS loader', () => {
  const here = currentRuntime({});

  it('takes the native build for the running Node and names it in one line', () => {
    const loaded = loadUws(here);
    expect(loaded.native).toBe(true);
    expect(typeof loaded.uws.App).toBe('function');
    expect(loaded.report).toMatch(
      new RegExp(
        `^uWebSockets\\.js: native build binaries/uws_linux_x64_${process.versions.modules}\\.node of @trufflesuite/uws-js-unofficial@20\\.30\\.0-unofficial\\.0 \\(Node ${process.version.replace(/\./g, '\\.')}, ABI ${process.versions.modules}, linux-x64, glibc \\d+\\.\\d+\\)$`,
      ),
    );
  });

  for (const [node, abi] of [['v22.12.0', '127'], ['v24.1.0', '137']] as const) {
    it(`on Node ${node} (ABI ${abi}) with glibc 2.36: no native build, said in one line with what was looked for and what to run`, () => {
      const loaded = loadUws({ ...here, nodeVersion: node, abi, glibc: '2.36' });
      expect(loaded.native).toBe(false);
      expect(loaded.report).not.toContain('\n');
      expect(loaded.report).toBe(
        `uWebSockets.js: no native build for Node ${node} (ABI ${abi}, linux-x64, glibc 2.36): looked for binaries/uws_linux_x64_${abi}.node ` +
          'in @trufflesuite/uws-js-unofficial@20.30.0-unofficial.0, which ships ABI 93 (Node 16), 108 (Node 18), 115 (Node 20) for linux-x64; ' +
          'no npm package ships a uWS build for Node 22/24 that loads with glibc < 2.38 (@btc-vision/uwebsockets.js 20.57.0 and uwebsockets 3.0.6 need GLIBC_2.38); ' +
          'run keepwatch on Node 20 (>= 20.19)',
      );
    });
  }

  it('with glibc 2.38 or later the registry remark is left out (those builds would load there)', () => {
    const loaded = loadUws({ ...here, nodeVersion: 'v22.12.0', abi: '127', glibc: '2.39' });
    expect(loaded.native).toBe(false);
    expect(loaded.report).not.toContain('GLIBC_2.38');
    expect(loaded.report).toMatch(/looked for binaries\/uws_linux_x64_127\.node .*; run keepwatch on Node 20 \(>= 20\.19\)$/);
  });

  it('UWS_USE_FALLBACK takes the pure-JS server and says so', () => {
    const loaded = loadUws(currentRuntime({ UWS_USE_FALLBACK: '1' }));
    expect(loaded.native).toBe(false);
    expect(loaded.uws).not.toBe(loadUws(here).uws);
    expect(loaded.report).toBe('uWebSockets.js: pure-JS fallback of @trufflesuite/uws-js-unofficial@20.30.0-unofficial.0 (UWS_USE_FALLBACK is set)');
  });
});
