/** Client ids as a gateway would see them: distinct strings of realistic length. */
export function clientIds(n: number, prefix = 'client-'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

/** One step of xorshift32: a seeded, reproducible stream (the benches must replay the same traffic). */
function xorshift(s: number): number {
  s ^= s << 13;
  s >>>= 0;
  s ^= s >>> 17;
  s ^= s << 5;
  return s >>> 0;
}

/** A seeded permutation of 0..n-1 (xorshift), so runs are reproducible. */
export function permutation(n: number, seed = 0x9e3779b9): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  let s = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    s = xorshift(s);
    const j = s % (i + 1);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

/** Seeded uniform numbers in [0, 1). */
export function randomUnit(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = xorshift(s);
    return s / 4294967296;
  };
}
