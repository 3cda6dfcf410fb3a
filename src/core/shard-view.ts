import { SharedShard, type ShardBuffers, type ShardOptions } from './shared-shard.js';

/**
 * Another thread's shard, held for a while (a worker given a lent shard:
 * src/monitor/workers/). Made over the owner's buffers with the owner's
 * options; it may sweep and walk the order, which never grows a buffer. It
 * has no ids, so it cannot register, heartbeat by id or remove: those are
 * the owner's (shard.ts), and this type has no such methods. A sweep's
 * findings are slots; the owner reads their ids and forgets the released
 * ones (Shard.forgetReleased) before it allocates again.
 *
 * Costs: making one is a few typed-array headers per page; the rest is
 * SharedShard's.
 */
export class ShardView extends SharedShard {
  constructor(buffers: ShardBuffers, options: ShardOptions = {}) {
    super(options, buffers);
  }

  // The ids stay with the owner, who forgets them as it settles the findings.
  protected override expiredHere(): void {}
}
