/**
 * The piscina worker: runs one shard task over a view of the shard's shared
 * memory (core/shard.ts, "ANOTHER THREAD"). Stateless between tasks: the
 * view is rebuilt from the buffers each task carries (a few typed-array
 * headers per page), so a replacement worker is as good as the old one.
 */
import { NIL, Shard, type SweepSink } from '../../core/index.js';
import type { ShardTask, ShardTaskResult } from './shard-task.js';

class SlotSink implements SweepSink {
  readonly expiredSlots: number[] = [];
  readonly expiredDeadlines: number[] = [];
  readonly expiredSeqs: number[] = [];
  readonly pingSlots: number[] = [];
  readonly pingHandles: number[] = [];

  constructor(private readonly exitAfterExpiries: number) {}

  expired(shard: Shard, slot: number, deadline: number): void {
    if (this.expiredSlots.length === this.exitAfterExpiries) process.exit(1);
    this.expiredSlots.push(slot);
    this.expiredDeadlines.push(deadline);
    this.expiredSeqs.push(shard.regSeq(slot));
  }

  pinged(shard: Shard, slot: number): void {
    this.pingSlots.push(slot);
    this.pingHandles.push(shard.handleOf(slot));
  }
}

export default function runShardTask(task: ShardTask): ShardTaskResult {
  const started = performance.now();
  const shard = new Shard({ trackPings: task.trackPings, pingTickMs: task.pingTickMs, buffers: task.buffers });
  const sink = new SlotSink(task.exitAfterExpiries ?? -1);
  if (task.sweep) shard.sweep(task.now, sink);
  const orderSlots: number[] = [];
  const orderSeqs: number[] = [];
  const orderLastSeen: number[] = [];
  if (task.kind !== 'sweep') {
    for (let s = shard.firstInOrder(); s !== NIL; s = shard.nextInOrder(s)) {
      orderSlots.push(s);
      orderSeqs.push(shard.regSeq(s));
      orderLastSeen.push(shard.lastSeen(s));
    }
  }
  return {
    expiredSlots: Int32Array.from(sink.expiredSlots),
    expiredDeadlines: Float64Array.from(sink.expiredDeadlines),
    expiredSeqs: Float64Array.from(sink.expiredSeqs),
    pingSlots: Int32Array.from(sink.pingSlots),
    pingHandles: Float64Array.from(sink.pingHandles),
    orderSlots: Int32Array.from(orderSlots),
    orderSeqs: Float64Array.from(orderSeqs),
    orderLastSeen: task.kind === 'status' ? Float64Array.from(orderLastSeen) : new Float64Array(0),
    workerMs: performance.now() - started,
  };
}
