/**
 * client_id -> shard: 32-bit FNV-1a over the UTF-16 code units. Stable
 * across processes and versions (the same id always lands on the same
 * shard), cheap for short ids, and spreads sequential ids like c1, c2, ...
 */
export function shardOf(clientId: string, shards: number): number {
  if (shards === 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < clientId.length; i++) {
    h ^= clientId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

/** shardOf the string of the ASCII characters bytes[start, end) (one code unit per byte), without making it. */
export function shardOfAscii(bytes: Uint8Array, start: number, end: number, shards: number): number {
  if (shards === 1) return 0;
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}
