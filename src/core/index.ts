export { Shard, type ShardBuffers, type ShardOptions } from './shard.js';
export { SweepBatch, type SweepSink } from './sweep-batch.js';
export { NIL } from './slot-store.js';
export { beatFromAnyThread } from './shared-beat.js';
