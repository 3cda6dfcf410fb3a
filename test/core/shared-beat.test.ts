import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Shard, type SweepSink } from '../../src/core/index.js';

/**
 * The lock-free heartbeat across threads: a worker thread records
 * heartbeats into the shard's shared memory (beatFromAnyThread, the built
 * core) while this thread sweeps the same shard as fast as it can. The
 * worker logs, per client, the latest heartbeat it was told was recorded
 * (true). The invariant: every expiry's last_seen is that latest recorded
 * heartbeat (or the registration), so no client is expired while a
 * heartbeat recorded for it was within its timeout; and a heartbeat for a
 * client the sweep had expired is answered false.
 */

const CORE = new URL('../../dist/src/core/index.js', import.meta.url);

/** Runs in the worker: heartbeats every timeout/4 for `beatMs`, faders stop early. */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
(async () => {
  const { beatFromAnyThread } = await import(workerData.core);
  const { SlotStore } = await import(workerData.slotStore);
  // Ready: the clients are registered only now (a slow start must not expire them).
  const go = await new Promise((resolve) => { parentPort.once('message', resolve); parentPort.postMessage('ready'); });
  const slots = new SlotStore(go.slotBuffers);
  const handles = go.handles;
  const timeouts = go.timeouts;
  const lastOk = new Float64Array(go.lastOk);
  const refusedAfterExpiry = new Int32Array(go.refused);
  const now = () => Math.floor(performance.timeOrigin + performance.now());
  const start = now();
  const next = timeouts.map((t, i) => start + (i % 7));
  let beats = 0;
  while (now() - start < workerData.beatMs) {
    for (let i = 0; i < handles.length; i++) {
      const t = now();
      const fader = i % 10 === 0;
      if (t < next[i] || (fader && t - start > workerData.fadeAfterMs)) continue;
      if (beatFromAnyThread(slots, handles[i], t)) {
        lastOk[i] = t;
        beats++;
      } else {
        Atomics.add(refusedAfterExpiry, i, 1);
      }
      next[i] = t + Math.floor(timeouts[i] / 4);
    }
  }
  parentPort.postMessage(beats);
})();
`;

describe('a heartbeat recorded by another thread while this one sweeps', () => {
  it('never loses a recorded heartbeat to an expiry; faders expire exactly once, after their deadline', async () => {
    const coreUrl = CORE.href;
    if (!existsSync(fileURLToPath(CORE))) throw new Error('run `npm run build` first: the worker imports the built core');
    const now = () => Math.floor(performance.timeOrigin + performance.now());
    const n = 3000;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        core: coreUrl,
        slotStore: new URL('../../dist/src/core/slot-store.js', import.meta.url).href,
        beatMs: 2500,
        fadeAfterMs: 300,
      },
    });
    await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const shard = new Shard({ trackPings: true, beatsFromOtherThreads: true });
    const timeouts = Array.from({ length: n }, (_, i) => 400 + ((i * 7919) % 600));
    const registeredAt = now();
    const handles = timeouts.map((t, i) => shard.handleOf(shard.register(`c${i}`, t, 50 + (i % 200), registeredAt, i)));
    const lastOk = new SharedArrayBuffer(n * 8);
    new Float64Array(lastOk).fill(registeredAt);
    const refused = new SharedArrayBuffer(n * 4);
    worker.postMessage({ slotBuffers: shard.buffers().slots, handles, timeouts, lastOk, refused });
    const expiries = new Map<number, { deadline: number; at: number; count: number }>();
    let sweptAt = 0;
    const sink: SweepSink = {
      expired: (s, slot, deadline) => {
        const i = s.regSeq(slot);
        const seen = expiries.get(i);
        expiries.set(i, { deadline, at: sweptAt, count: (seen?.count ?? 0) + 1 });
      },
      pinged: () => undefined,
    };
    const beats = new Promise<number>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    let done = false;
    void beats.then(() => (done = true));
    let sweeps = 0;
    while (!done) {
      sweptAt = now();
      shard.sweep(sweptAt, sink);
      sweeps++;
      // Yield now and then so the worker's message can arrive.
      if (sweeps % 64 === 0) await new Promise((r) => setImmediate(r));
    }
    const beatCount = await beats;
    await worker.terminate();
    // Whatever is left: swept well after every deadline.
    sweptAt = now() + 10_000;
    shard.sweep(sweptAt, sink);

    const last = new Float64Array(lastOk);
    const refusals = new Int32Array(refused);
    expect(beatCount).toBeGreaterThan(n);
    expect(sweeps).toBeGreaterThan(100);
    expect(expiries.size).toBe(n);
    for (let i = 0; i < n; i++) {
      const e = expiries.get(i);
      if (e === undefined) throw new Error(`c${i} never expired`);
      expect(e.count, `c${i} expired more than once`).toBe(1);
      // Its last_seen is at least the latest heartbeat the worker was told
      // was recorded (more only after a refusal that raced the sweep: rule 3).
      expect(e.deadline - timeouts[i], `c${i}: a recorded heartbeat was lost`).toBeGreaterThanOrEqual(last[i]);
      expect(e.at, `c${i} expired before its deadline`).toBeGreaterThan(e.deadline);
    }
    // Faders stopped at 300 ms and expired while the worker still ran: all
    // of them before the last sweep of the loop.
    const fadersExpiredEarly = [...expiries].filter(([i, e]) => i % 10 === 0 && e.at < sweptAt).length;
    expect(fadersExpiredEarly).toBe(n / 10);
    // Clients that outlived the worker were never refused: a refusal only
    // follows an expiry (checked for every client above).
    for (let i = 0; i < n; i++) if (refusals[i] > 0) expect(expiries.get(i)?.at).toBeLessThan(sweptAt);
  }, 60_000);
});
