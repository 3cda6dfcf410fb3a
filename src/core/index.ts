export { Shard } from './shard.js';
export { ShardView } from './shard-view.js';
export { SharedShard, type ShardBuffers, type ShardOptions } from './shared-shard.js';
export { SweepBatch, type SweepSink } from './sweep-batch.js';
export { NIL } from './slot-store.js';
export { beatFromAnyThread } from './shared-beat.js';
