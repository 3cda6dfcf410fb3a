export { Shard, type ShardOptions } from './shard.js';
export { SweepBatch } from './sweep-batch.js';
export { NIL } from './slot-store.js';
