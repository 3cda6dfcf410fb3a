/**
 * Memory per client, in a fresh process started with --expose-gc so that
 * nothing else lives on the heap: `node --expose-gc memory-probe.js <keepwatch|map> <n>`.
 * Prints one JSON line (MemoryPerClient).
 */
import { PAGE_SIZE } from '../../src/core/slot-store.js';
import { KeepAliveMonitor } from '../../src/monitor/monitor.js';
import { MapMonitor } from '../baselines/map-monitor.js';
import { TIMEOUT_MS } from './scenarios.js';

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

function probe(kind: string, n: number): MemoryPerClient {
  gc();
  const before = process.memoryUsage();
  let shared = 0;
  let slots = 0;
  let keep: unknown;
  if (kind === 'keepwatch') {
    const monitor = new KeepAliveMonitor({ queueExpiryReports: false });
    // Ids built here so that the strings the monitor retains are counted.
    for (let i = 0; i < n; i++) monitor.register(`client-${i}`, { timeoutMs: TIMEOUT_MS }, 0);
    shared = monitor.sharedBytes;
    for (const shard of monitor.shards) slots += shard.slots.i32Pages.length * PAGE_SIZE;
    keep = monitor;
  } else {
    const map = new MapMonitor();
    for (let i = 0; i < n; i++) map.register(`client-${i}`, TIMEOUT_MS, 0);
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

const [kind = 'keepwatch', count = '100000'] = process.argv.slice(2);
process.stdout.write(`${JSON.stringify(probe(kind, Number(count)))}\n`);
