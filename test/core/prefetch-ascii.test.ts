import { describe, expect, it } from 'vitest';
import { EMPTY, IdTable } from '../../src/core/id-table.js';
import { KeepAliveMonitor } from '../../src/monitor/monitor.js';
import { mulberry32 } from '../helpers/prng.js';

/**
 * prefetchAscii is a hint: a monitor that is told to read ahead before
 * every batch of heartbeats must answer every operation exactly as one that
 * is not, whatever the ids (every length class, unknown, expired, removed,
 * re-registered, on one shard or several).
 */
const ID_SHAPES = [
  (i: number) => `c${i}`,
  (i: number) => `client-${i}`,
  (i: number) => `client-${i}-${'x'.repeat(i % 40)}`,
  (i: number) => `${'y'.repeat(200 + (i % 56))}${i}`,
];

function idOf(i: number): string {
  return ID_SHAPES[i % ID_SHAPES.length](i);
}

/** The ids as an input line would hold them: bytes with other text around, and each id's bounds. */
function lineBytes(ids: string[]): { bytes: Buffer; starts: Int32Array; ends: Int32Array } {
  const starts = new Int32Array(ids.length);
  const ends = new Int32Array(ids.length);
  let text = '';
  ids.forEach((id, k) => {
    text += `{"client_id":"`;
    starts[k] = text.length;
    text += id;
    ends[k] = text.length;
    text += `"}\n`;
  });
  return { bytes: Buffer.from(text, 'latin1'), starts, ends };
}

describe('KeepAliveMonitor.prefetchAscii changes nothing', () => {
  for (const shards of [1, 3]) {
    it(`on ${shards} shard(s): heartbeats, checks and statuses match a monitor that never reads ahead`, () => {
      const next = mulberry32(11 + shards);
      const plain = new KeepAliveMonitor({ shards });
      const ahead = new KeepAliveMonitor({ shards });
      const population = 2_000;
      let now = 0;
      let found = 0;
      let missed = 0;
      for (let round = 0; round < 60; round++) {
        now += 50 + Math.floor(next() * 400);
        for (let r = 0; r < 40; r++) {
          const id = idOf(Math.floor(next() * population));
          const settings = { timeoutMs: 500 + Math.floor(next() * 5_000) };
          plain.register(id, settings, now);
          ahead.register(id, settings, now);
        }
        if (next() < 0.3) {
          const id = idOf(Math.floor(next() * population));
          expect(ahead.remove(id, now)).toBe(plain.remove(id, now));
        }
        // A batch as large as the node's, with ids never registered among them.
        const ids = Array.from({ length: 1 + Math.floor(next() * 300) }, () => idOf(Math.floor(next() * population * 1.1)));
        const { bytes, starts, ends } = lineBytes(ids);
        ahead.prefetchAscii(bytes, starts, ends, ids.length);
        for (let k = 0; k < ids.length; k++) {
          const want = plain.heartbeatAscii(bytes, starts[k], ends[k], now);
          expect(ahead.heartbeatAscii(bytes, starts[k], ends[k], now)).toBe(want);
          if (want) found++;
          else missed++;
        }
        if (round % 7 === 0) expect(ahead.check(now)).toEqual(plain.check(now));
      }
      expect(ahead.status(now)).toEqual(plain.status(now));
      expect(found).toBeGreaterThan(1_000);
      expect(missed).toBeGreaterThan(1_000);
    });
  }
});

describe('IdTable.peekAscii', () => {
  it("gives a present id's value, and EMPTY or a value of the same hash for an absent one", () => {
    const ids = Array.from({ length: 5_000 }, (_, i) => idOf(i));
    const table = new IdTable((value) => ids[value]);
    for (let i = 0; i < ids.length; i += 2) table.set(ids[i], i);
    const { bytes, starts, ends } = lineBytes(ids);
    for (let i = 0; i < ids.length; i++) {
      const peeked = table.peekAscii(bytes, starts[i], ends[i]);
      if (i % 2 === 0) expect(peeked).toBe(i);
      else if (peeked !== EMPTY) expect(table.getAscii(bytes, starts[i], ends[i])).toBe(EMPTY);
    }
  });

  it("in a table of 16 cells (long shared runs), names each present id's own value", () => {
    // A tiny table: 16 cells, at most 8 entries, runs long and shared by many homes.
    const ids = Array.from({ length: 8 }, (_, i) => idOf(i));
    const table = new IdTable((value) => ids[value]);
    ids.forEach((id, i) => table.set(id, i));
    const { bytes, starts, ends } = lineBytes(ids);
    ids.forEach((_, i) => expect(table.peekAscii(bytes, starts[i], ends[i])).toBe(i));
  });
});
