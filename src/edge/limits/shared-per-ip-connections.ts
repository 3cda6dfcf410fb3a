import type { PeerConnections } from './per-ip-connections.js';

/** Int32 cells per slot: the count (0: empty slot), then the address's 16 bytes as 4 cells. */
const SLOT = 5;
const LOCK = 0;
/** Cells before the first slot: the lock word. */
const HEADER = 1;
/** The table never grows (a SharedArrayBuffer is fixed): at most this many slots (40 MB). */
const MAX_SLOTS = 1 << 21;

/**
 * Open connections per peer address counted over every I/O thread
 * (--threads N with --max-connections-per-ip): the same answers as
 * PerIpConnections for the whole process, not one thread.
 *
 * LAYOUT: Int32Array over a SharedArrayBuffer: cell 0 a lock word, then a
 * power-of-two number of slots [count, address as 4 cells] (IPv4 as
 * ::ffff:a.b.c.d), open addressing with linear probing; a slot whose count
 * falls to 0 is removed by shifting its probe run back (no tombstones, so
 * probes stay short however many peers came and went).
 * COSTS: one short lock (a probe) per upgrade and per close of a counted
 * connection, never on the heartbeat path; contended only by another
 * thread's upgrade or close at the same instant (it waits, Atomics.wait,
 * in steps of 1 ms). Memory: SLOT * 4 = 20 B a slot, sized to at least
 * twice the process's --max-connections (distinct peers with a connection
 * open are fewer), so the table is at most half full; pages are touched
 * only as slots are used. A new address that finds no free slot (more
 * distinct peers than slots: only past MAX_SLOTS) is refused as over the cap.
 */
export class SharedPerIpConnections implements PeerConnections {
  private readonly cells: Int32Array;
  private readonly mask: number;

  constructor(buffer: SharedArrayBuffer, private readonly max: number) {
    this.cells = new Int32Array(buffer);
    this.mask = (this.cells.length - HEADER) / SLOT - 1;
  }

  /** The shared table for a process of at most `maxConnections` connections. */
  static create(maxConnections: number): SharedArrayBuffer {
    let slots = 1024;
    while (slots < 2 * maxConnections && slots < MAX_SLOTS) slots *= 2;
    return new SharedArrayBuffer((HEADER + slots * SLOT) * Int32Array.BYTES_PER_ELEMENT);
  }

  tryAcquire(peer: string): boolean {
    const key = addressCells(peer);
    return this.locked(() => {
      const at = this.find(key);
      if (at < 0) return false;
      const n = this.cells[at];
      if (n >= this.max) return false;
      if (n === 0) this.cells.set(key, at + 1);
      this.cells[at] = n + 1;
      return true;
    });
  }

  release(peer: string): void {
    const key = addressCells(peer);
    this.locked(() => {
      const at = this.find(key);
      if (at < 0 || this.cells[at] === 0) return;
      if (--this.cells[at] === 0) this.remove(at);
    });
  }

  /** The slot holding `key`, or the empty one where it would go; -1 if the table is full. */
  private find(key: readonly number[]): number {
    const slots = this.mask + 1;
    let i = hash(key) & this.mask;
    for (let probes = 0; probes < slots; probes++, i = (i + 1) & this.mask) {
      const at = HEADER + i * SLOT;
      if (this.cells[at] === 0 || this.holds(at, key)) return at;
    }
    return -1;
  }

  private holds(at: number, key: readonly number[]): boolean {
    const c = this.cells;
    return c[at + 1] === key[0] && c[at + 2] === key[1] && c[at + 3] === key[2] && c[at + 4] === key[3];
  }

  /** Empties slot `at` and moves later slots of its probe run back into the hole (backward-shift deletion). */
  private remove(at: number): void {
    const c = this.cells;
    let hole = (at - HEADER) / SLOT;
    let i = hole;
    c[at] = 0;
    for (;;) {
      i = (i + 1) & this.mask;
      const from = HEADER + i * SLOT;
      if (c[from] === 0) return;
      const home = hash([c[from + 1], c[from + 2], c[from + 3], c[from + 4]]) & this.mask;
      // The entry may move to the hole only if the hole lies on its way from home to i (cyclically).
      const between = hole <= i ? home <= hole || home > i : home <= hole && home > i;
      if (!between) continue;
      const to = HEADER + hole * SLOT;
      c.copyWithin(to, from, from + SLOT);
      c[from] = 0;
      hole = i;
    }
  }

  private locked<T>(critical: () => T): T {
    while (Atomics.compareExchange(this.cells, LOCK, 0, 1) !== 0) Atomics.wait(this.cells, LOCK, 1, 1);
    try {
      return critical();
    } finally {
      Atomics.store(this.cells, LOCK, 0);
      Atomics.notify(this.cells, LOCK, 1);
    }
  }
}

/** A peer's canonical text (peer-address.ts) as 4 cells of its 16-byte address; anything else as a 4-cell hash. */
function addressCells(peer: string): number[] {
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(peer);
  if (v4 !== null) return [0, 0, 0xffff, ((Number(v4[1]) << 24) | (Number(v4[2]) << 16) | (Number(v4[3]) << 8) | Number(v4[4])) | 0];
  const groups = peer.split(':');
  if (groups.length === 8 && groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) {
    const cells: number[] = [];
    for (let i = 0; i < 8; i += 2) cells.push(((parseInt(groups[i], 16) << 16) | parseInt(groups[i + 1], 16)) | 0);
    return cells;
  }
  // 'unknown' (not a socket uWS would accept): one key of its own, not any real address's.
  return [-1, -1, -1, -1];
}

/** FNV-1a over the 4 cells. */
function hash(key: readonly number[]): number {
  let h = 0x811c9dc5;
  for (const cell of key) {
    h = Math.imul(h ^ (cell & 0xffff), 0x01000193);
    h = Math.imul(h ^ (cell >>> 16), 0x01000193);
  }
  return h >>> 0;
}
