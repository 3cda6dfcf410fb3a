/**
 * What a worker does with one shard task: runs it over a view of the
 * shard's shared memory (a ShardView: core/shard-view.ts). Stateless between
 * tasks: the view is rebuilt from the buffers each task carries (a few
 * typed-array headers per page), so a replacement worker is as good as the
 * old one, and the main thread can run a task itself when the pool cannot
 * (worker-live-monitor.ts). Loaded in workers by shard-worker-entry.cts.
 */
import { NIL, ShardView, type SharedShard, type SweepSink } from '../../core/index.js';
import type { ShardTask, ShardTaskResult } from './shard-task.js';

/** Collects a sweep's findings as slots (the main thread reads the ids). */
export class SlotSink implements SweepSink {
  readonly expiredSlots: number[] = [];
  readonly expiredDeadlines: number[] = [];
  readonly expiredSeqs: number[] = [];
  readonly pingSlots: number[] = [];
  readonly pingHandles: number[] = [];

  expired(shard: SharedShard, slot: number, deadline: number): void {
    this.expiredSlots.push(slot);
    this.expiredDeadlines.push(deadline);
    this.expiredSeqs.push(shard.regSeq(slot));
  }

  pinged(shard: SharedShard, slot: number): void {
    this.pingSlots.push(slot);
    this.pingHandles.push(shard.handleOf(slot));
  }
}

export function runShardTask(task: ShardTask, sink: SlotSink = new SlotSink()): ShardTaskResult {
  const started = performance.now();
  const shard = new ShardView(task.buffers, { trackPings: task.trackPings, pingTickMs: task.pingTickMs });
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

export default function runDefaultShardTask(task: ShardTask): ShardTaskResult {
  return runShardTask(task);
}
