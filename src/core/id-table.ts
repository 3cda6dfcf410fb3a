import { randomBytes } from 'node:crypto';

/**
 * A map from client ids to handles (numbers >= 0) that is also looked up by
 * an id's ASCII bytes where they lie in an input line, without making the
 * string: the stdio node's heartbeat of a known client builds no string and
 * hashes no string (measured: Map.get of a fresh id string was ~13% of the
 * node's time on the realistic profile). A string key and the ASCII bytes
 * of the same characters hash alike and compare equal, so both ways reach
 * the same entry; ids that are not ASCII are only ever looked up as strings.
 *
 * LAYOUT: open addressing with linear probing; capacity a power of two, at
 * most half full.
 *   cells   Float64Array, two per cell, side by side (one cache line per
 *           probe): [2c] the key's hash, [2c + 1] its value (EMPTY: none)
 * The keys are not stored: `keyOf(value)` gives the key of the entry
 * holding a value (the id index knows the id of a handle's slot). With a
 * key array beside the cells the table measured ~50-80 bytes an entry at
 * 100,000-1,000,000 ids, a Map 21-41; without, 33-42.
 * Hash: 32-bit FNV-1a over the UTF-16 code units from a basis drawn at
 * random per process (a client cannot predict which ids collide), then
 * murmur3's finalizer (the probe start takes the low bits). Deletion moves
 * later cells of the run back into the hole (no tombstones), so probe runs
 * never outgrow what the load allows.
 *
 * COSTS (n entries, for any ids): get / getAscii / peekAscii / set / delete
 * O(length of the id) for the hash + O(1) expected probes; growth doubles the capacity
 * and re-inserts every entry once (amortized O(1) per set); clear O(1)
 * (a fresh small array). Memory: 16 bytes per cell, 2 to 4 cells per
 * entry; a key compare calls keyOf.
 */
export class IdTable {
  private cells = new Float64Array(2 * MIN_CELLS).fill(EMPTY);
  private mask = MIN_CELLS - 1;
  private count = 0;

  /** `keyOf(value)`: the key of the entry that holds `value` (values are never shared by two keys). */
  constructor(private readonly keyOf: (value: number) => string) {}

  get size(): number {
    return this.count;
  }

  /** The value of `id`, or EMPTY (-1). */
  get(id: string): number {
    const cell = this.cellOf(id, hashId(id));
    return cell < 0 ? EMPTY : this.cells[2 * cell + 1];
  }

  /** get() of the string whose characters are bytes[start, end), all ASCII (below 0x80). */
  getAscii(bytes: Uint8Array, start: number, end: number): number {
    const hash = hashAscii(bytes, start, end);
    const cells = this.cells;
    const mask = this.mask;
    for (let c = hash & mask; ; c = (c + 1) & mask) {
      const value = cells[2 * c + 1];
      if (value === EMPTY) return EMPTY;
      if (cells[2 * c] === hash && sameAscii(this.keyOf(value), bytes, start, end)) return value;
    }
  }

  /**
   * The value getAscii would most likely return, read without comparing
   * keys: the first value in the probe run whose stored hash matches, or
   * EMPTY. A hint only (another id may share the hash): a caller reads it
   * to bring the entry's cell into cache before the real lookup (see
   * IdIndex.prefetchAscii), never as the answer.
   */
  peekAscii(bytes: Uint8Array, start: number, end: number): number {
    const hash = hashAscii(bytes, start, end);
    const cells = this.cells;
    const mask = this.mask;
    for (let c = hash & mask; ; c = (c + 1) & mask) {
      const value = cells[2 * c + 1];
      if (value === EMPTY || cells[2 * c] === hash) return value;
    }
  }

  /** Sets `id`'s value (>= 0). */
  set(id: string, value: number): void {
    const hash = hashId(id);
    const cell = this.cellOf(id, hash);
    if (cell >= 0) {
      this.cells[2 * cell + 1] = value;
      return;
    }
    this.place(hash, value);
    this.count++;
    if (2 * this.count > this.mask + 1) this.grow();
  }

  delete(id: string): boolean {
    const cell = this.cellOf(id, hashId(id));
    if (cell < 0) return false;
    this.removeCell(cell);
    this.count--;
    return true;
  }

  clear(): void {
    this.cells = new Float64Array(2 * MIN_CELLS).fill(EMPTY);
    this.mask = MIN_CELLS - 1;
    this.count = 0;
  }

  private cellOf(id: string, hash: number): number {
    const cells = this.cells;
    const mask = this.mask;
    for (let c = hash & mask; ; c = (c + 1) & mask) {
      const value = cells[2 * c + 1];
      if (value === EMPTY) return -1;
      if (cells[2 * c] === hash && this.keyOf(value) === id) return c;
    }
  }

  /** Puts a key known to be absent into the first empty cell of its run. */
  private place(hash: number, value: number): void {
    const cells = this.cells;
    const mask = this.mask;
    let c = hash & mask;
    while (cells[2 * c + 1] !== EMPTY) c = (c + 1) & mask;
    cells[2 * c] = hash;
    cells[2 * c + 1] = value;
  }

  /** Empties `hole`, moving back each later cell of the run whose home lies at or before the hole. */
  private removeCell(cell: number): void {
    const cells = this.cells;
    const mask = this.mask;
    let hole = cell;
    for (let c = (cell + 1) & mask; cells[2 * c + 1] !== EMPTY; c = (c + 1) & mask) {
      const home = cells[2 * c] & mask;
      if (((c - home) & mask) < ((c - hole) & mask)) continue;
      cells[2 * hole] = cells[2 * c];
      cells[2 * hole + 1] = cells[2 * c + 1];
      hole = c;
    }
    cells[2 * hole + 1] = EMPTY;
  }

  private grow(): void {
    const oldCells = this.cells;
    const capacity = 2 * (this.mask + 1);
    this.cells = new Float64Array(2 * capacity).fill(EMPTY);
    this.mask = capacity - 1;
    for (let c = 0; c < oldCells.length; c += 2) {
      if (oldCells[c + 1] !== EMPTY) this.place(oldCells[c], oldCells[c + 1]);
    }
  }
}

/** IdTable's value for a missing id (handles are >= 0). */
export const EMPTY = -1;
const MIN_CELLS = 16;

const BASIS = (0x811c9dc5 ^ randomBytes(4).readUInt32LE(0)) >>> 0;
const PRIME = 0x01000193;

/** murmur3's fmix32: every input bit reaches the low bits the probe starts from. */
function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashId(id: string): number {
  let h = BASIS;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), PRIME);
  return finish(h);
}

/** hashId of the string of these ASCII characters. */
function hashAscii(bytes: Uint8Array, start: number, end: number): number {
  let h = BASIS;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], PRIME);
  return finish(h);
}

/** Whether `key` is the string of the ASCII characters bytes[start, end) (a key with other characters never is). */
function sameAscii(key: string, bytes: Uint8Array, start: number, end: number): boolean {
  if (key.length !== end - start) return false;
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) !== bytes[start + i]) return false;
  return true;
}
