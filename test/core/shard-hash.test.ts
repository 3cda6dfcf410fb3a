import { describe, expect, it } from 'vitest';
import { shardOf, shardOfAscii } from '../../src/monitor/shard-hash.js';

/**
 * The shard hash is part of the on-disk and cross-process contract (the same
 * id lands on the same shard in every process and version): these values
 * are pinned. A change to the hash must fail here, not silently move clients.
 */
describe('shardOf (golden values)', () => {
  const GOLDEN: [string, number, number][] = [
    ['c1', 4, shardOfFnv1a('c1', 4)],
    ['client-42', 16, shardOfFnv1a('client-42', 16)],
    ['\u00e9', 7, shardOfFnv1a('\u00e9', 7)],
    ['\u{1f600}', 1024, shardOfFnv1a('\u{1f600}', 1024)],
  ];

  it('matches 32-bit FNV-1a over UTF-16 code units, mod the shard count', () => {
    for (const [id, shards, want] of GOLDEN) expect(shardOf(id, shards), `${id} / ${shards}`).toBe(want);
  });

  it('pins literal values', () => {
    expect([shardOf('c1', 4), shardOf('client-42', 16), shardOf('\u00e9', 7), shardOf('\u{1f600}', 1024), shardOf('x'.repeat(256), 1000)]).toEqual(PINNED);
    expect(shardOf('anything', 1)).toBe(0);
  });
});

/** FNV-1a written out independently of src/ (offset basis 2166136261, prime 16777619). */
function shardOfFnv1a(id: string, shards: number): number {
  let h = 2166136261n;
  for (let i = 0; i < id.length; i++) {
    h ^= BigInt(id.charCodeAt(i));
    h = (h * 16777619n) % 2n ** 32n;
  }
  return Number(h % BigInt(shards));
}

const PINNED = [1, 15, 0, 184, 917];

describe('shardOfAscii', () => {
  it('puts the ASCII bytes of an id on the shard of its string', () => {
    for (const id of ['c1', 'client-42', 'x'.repeat(256), ' ~!']) {
      const line = Buffer.from(`"${id}"`, 'latin1');
      for (const shards of [1, 2, 7, 1000]) expect(shardOfAscii(line, 1, line.length - 1, shards), `${id} / ${shards}`).toBe(shardOf(id, shards));
    }
  });
});
