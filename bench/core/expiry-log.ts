/**
 * What each sweep of a scenario expired, as an order-free signature per
 * sweep (count, sum and xor of the ids' FNV-1a hashes), so that runs of
 * different implementations over the same traffic can be checked to have
 * expired the same clients at the same sweeps. Implementations report in
 * different orders (registration order, deadline order), so the signature
 * ignores order. 12 B per sweep; hashing is O(length of the ids expired).
 */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class ExpiryLog {
  private readonly counts: number[] = [];
  private readonly sums: number[] = [];
  private readonly xors: number[] = [];

  /** Records one sweep's expired ids (the first `count` of `ids`). */
  record(ids: readonly string[], count = ids.length): void {
    let sum = 0;
    let xor = 0;
    for (let k = 0; k < count; k++) {
      const h = fnv1a(ids[k]);
      sum = (sum + h) >>> 0;
      xor = (xor ^ h) >>> 0;
    }
    this.counts.push(count);
    this.sums.push(sum);
    this.xors.push(xor);
  }

  get sweeps(): number {
    return this.counts.length;
  }

  get total(): number {
    return this.counts.reduce((a, b) => a + b, 0);
  }

  /** The sweeps merged into one: for mass expiries that implementations hand out in different batches. */
  merged(): ExpiryLog {
    const one = new ExpiryLog();
    one.counts.push(this.total);
    one.sums.push(this.sums.reduce((a, b) => (a + b) >>> 0, 0));
    one.xors.push(this.xors.reduce((a, b) => (a ^ b) >>> 0, 0));
    return one;
  }

  /** The first sweep (index) where the two logs differ within their common length; -1 if none. */
  firstDifference(other: ExpiryLog): number {
    const len = Math.min(this.sweeps, other.sweeps);
    for (let k = 0; k < len; k++) {
      if (this.counts[k] !== other.counts[k] || this.sums[k] !== other.sums[k] || this.xors[k] !== other.xors[k]) return k;
    }
    return -1;
  }

  countAt(k: number): number {
    return this.counts[k];
  }
}

/**
 * Throws unless every log agrees with the first, sweep by sweep, over the
 * sweeps they all ran (the slow baselines run fewer sweeps of the same
 * schedule). A benchmark whose implementations disagree measures nothing.
 */
export function assertSameExpiries(what: string, logs: ReadonlyArray<readonly [string, ExpiryLog]>): void {
  const [refName, ref] = logs[0];
  for (const [name, log] of logs.slice(1)) {
    const k = ref.firstDifference(log);
    if (k >= 0) {
      throw new Error(`${what}: ${name} and ${refName} expired different clients at sweep ${k} (${log.countAt(k)} vs ${ref.countAt(k)} expired)`);
    }
  }
}
