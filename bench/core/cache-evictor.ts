/**
 * Other work between two sweeps: writes one byte per 64-byte line of an
 * 8 MiB buffer, so that whatever a sweep touched is likely evicted from L1
 * and L2 (and partly from L3) before the next one, as in a server that does
 * other work between sweeps. A sweep timed back-to-back with the previous
 * one finds its few lines hot and looks faster than it will be.
 */
const LINE = 64;
const BYTES = 8 << 20;

export class CacheEvictor {
  private readonly buffer = new Uint8Array(BYTES);
  private round = 0;

  evict(): void {
    const buffer = this.buffer;
    const value = ++this.round & 0xff;
    for (let i = 0; i < BYTES; i += LINE) buffer[i] = value;
  }
}
