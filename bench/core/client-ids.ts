/** Client ids as a gateway would see them: distinct strings of realistic length. */
export function clientIds(n: number, prefix = 'client-'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

/** A seeded permutation of 0..n-1 (xorshift), so runs are reproducible. */
export function permutation(n: number, seed = 0x9e3779b9): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  let s = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    const j = s % (i + 1);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}
