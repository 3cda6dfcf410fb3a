import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { PerIpConnections } from '../../src/edge/limits/per-ip-connections.js';
import { SharedPerIpConnections } from '../../src/edge/limits/shared-per-ip-connections.js';

/**
 * The per-address counts shared by I/O threads answer as the one-thread Map
 * does (a model run with many peers in a small table, so probe runs collide,
 * wrap and are shifted back on removal), and hold under two threads at once.
 * The end-to-end test is test/gateway/overload/caps.test.ts on 2 threads.
 */
describe('SharedPerIpConnections', () => {
  it('answers as PerIpConnections over random opens and closes of 3,000 peers in a 1,024-slot table', () => {
    const shared = new SharedPerIpConnections(SharedPerIpConnections.create(100), 3);
    const model = new PerIpConnections(3);
    const open: string[] = [];
    let seed = 7;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const peer = (i: number): string => (i % 3 === 0 ? `10.0.${i >> 8}.${i & 255}` : `fd00:0:0:0:0:0:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}`);
    for (let step = 0; step < 60_000; step++) {
      // Grow to ~450 open peers (a table of 1,024 slots), then hover around it.
      if (open.length > 0 && (open.length > 900 || random(3) === 0)) {
        const p = open.splice(random(open.length), 1)[0];
        shared.release(p);
        model.release(p);
      } else {
        const p = peer(random(3000));
        const taken = model.tryAcquire(p);
        expect(shared.tryAcquire(p)).toBe(taken);
        if (taken) open.push(p);
      }
    }
    // Everything let go: every peer has its full allowance again (3), and no more.
    for (const p of open.splice(0)) shared.release(p);
    for (let i = 0; i < 300; i++) {
      for (let n = 0; n < 3; n++) expect(shared.tryAcquire(peer(i))).toBe(true);
      expect(shared.tryAcquire(peer(i))).toBe(false);
    }
  });

  it('a release of a peer never counted changes nothing', () => {
    const shared = new SharedPerIpConnections(SharedPerIpConnections.create(10), 1);
    shared.release('127.0.0.1');
    expect(shared.tryAcquire('127.0.0.1')).toBe(true);
    expect(shared.tryAcquire('127.0.0.1')).toBe(false);
  });

  it('two threads taking and giving back one address at once never exceed its maximum nor lose a count', async () => {
    const buffer = SharedPerIpConnections.create(10);
    // The built module (npm run build), as the I/O threads load it.
    const module = new URL('../../dist/src/edge/limits/shared-per-ip-connections.js', import.meta.url).href;
    // Each thread: 20,000 rounds of take-then-give-back on one address, with a maximum of 1 between them.
    const body = `
      const { workerData, parentPort } = require('node:worker_threads');
      import(workerData.module).then(({ SharedPerIpConnections }) => {
        const counts = new SharedPerIpConnections(workerData.buffer, 1);
        const inside = new Int32Array(workerData.inside);
        let taken = 0, overlaps = 0;
        for (let i = 0; i < 20000; i++) {
          if (!counts.tryAcquire('192.0.2.1')) continue;
          taken++;
          if (Atomics.add(inside, 0, 1) !== 0) overlaps++; // the other thread holds it too: over the maximum of 1
          Atomics.sub(inside, 0, 1);
          counts.release('192.0.2.1');
        }
        parentPort.postMessage({ taken, overlaps });
      });`;
    const inside = new SharedArrayBuffer(4);
    const run = (): Promise<{ taken: number; overlaps: number }> =>
      new Promise((resolve, reject) => {
        const w = new Worker(body, { eval: true, workerData: { buffer, module, inside } });
        w.once('message', resolve);
        w.once('error', reject);
      });
    const [a, b] = await Promise.all([run(), run()]);
    expect(a.taken + b.taken).toBeGreaterThan(0);
    expect(a.overlaps + b.overlaps).toBe(0);
    // Both threads done: the address holds nothing, so exactly one more is allowed.
    const here = new SharedPerIpConnections(buffer, 1);
    expect(here.tryAcquire('192.0.2.1')).toBe(true);
    expect(here.tryAcquire('192.0.2.1')).toBe(false);
  });
});
