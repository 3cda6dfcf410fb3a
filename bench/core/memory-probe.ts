/**
 * Memory per client, in a fresh process started with --expose-gc so that
 * nothing else lives on the heap:
 * `node --expose-gc memory-probe.js <keepwatch|map> <n> <profile>`.
 * Prints one JSON line (MemoryPerClient).
 */
import { PAGE_SIZE } from '../../src/core/slot-store.js';
import { KeepAliveMonitor } from '../../src/monitor/monitor.js';
import { MapMonitor } from '../baselines/map-monitor.js';
import { IdSource, makePopulation, parseProfiles, type Population } from './profiles.js';

export interface MemoryPerClient {
  implementation: string;
  clients: number;
  /** Bytes in SharedArrayBuffers / n (keepwatch only): slots come in pages, so the last page's spare slots count. */
  shared: number;
  /** Bytes in SharedArrayBuffers / slots allocated: the layout's own cost, without page slack. */
  sharedPerSlot: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /**
   * heapUsed + max(external, arrayBuffers), deltas / n. Node counts a plain
   * ArrayBuffer in both `external` and `arrayBuffers` but a SharedArrayBuffer
   * only in `arrayBuffers`; this sum counts each byte once when buffers are
   * all shared (keepwatch) or all plain.
   */
  allTold: number;
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) collect();
}

/**
 * Ids are made here, after the first snapshot, so that the strings a
 * monitor retains are counted; the batch array dies with this frame.
 */
function registerAll(population: Population, register: (id: string, timeoutMs: number) => void): void {
  const order = population.registrationOrder;
  const ids = new IdSource(population).batch(order);
  for (let k = 0; k < ids.length; k++) register(ids[k], population.timeoutMs[order[k]]);
}

function probe(kind: string, n: number, profile: string): MemoryPerClient {
  const population = makePopulation(parseProfiles(profile)[0], n);
  gc();
  const before = process.memoryUsage();
  let shared = 0;
  let slots = 0;
  let keep: unknown;
  if (kind === 'keepwatch') {
    const monitor = new KeepAliveMonitor({ queueExpiryReports: false });
    registerAll(population, (id, timeoutMs) => monitor.register(id, { timeoutMs }, 0));
    shared = monitor.sharedBytes;
    for (const shard of monitor.shards) slots += shard.slots.i32Pages.length * PAGE_SIZE;
    keep = monitor;
  } else {
    const map = new MapMonitor();
    registerAll(population, (id, timeoutMs) => map.register(id, timeoutMs, 0));
    keep = map;
  }
  gc();
  const after = process.memoryUsage();
  if (keep === undefined) throw new Error('unreachable');
  const d = (k: 'heapUsed' | 'external' | 'arrayBuffers'): number => (after[k] - before[k]) / n;
  return {
    implementation: kind === 'keepwatch' ? 'keepwatch' : 'Map baseline',
    clients: n,
    shared: shared / n,
    sharedPerSlot: slots > 0 ? shared / slots : 0,
    heapUsed: d('heapUsed'),
    external: d('external'),
    arrayBuffers: d('arrayBuffers'),
    allTold: d('heapUsed') + Math.max(d('external'), d('arrayBuffers')),
  };
}

const [kind = 'keepwatch', count = '100000', profile = 'uniform'] = process.argv.slice(2);
process.stdout.write(`${JSON.stringify(probe(kind, Number(count), profile))}\n`);
