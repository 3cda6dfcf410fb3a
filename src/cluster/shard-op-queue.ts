import { CLUSTER_SHARDS, EVENTS_MAXLEN, movesChannel, shardKeys } from './key-layout.js';
import type { RedisClient } from './redis-connection.js';

/** 'c' claim, 'r' release (connection closed), 'x' expiry: the APPLY_OPS script's op letters. */
export type OpKind = 'c' | 'r' | 'x';

export interface ShardOp {
  kind: OpKind;
  clientId: string;
  /** The script's answer for this op: a claim's generation, or 1/0 (acted or not). */
  done(result: number): void;
}

export interface OpQueueEvents {
  /** Redis refused the incarnation: it was fenced. */
  fenced(incarnation: string): void;
  /** A batch failed (Redis unreachable, a master down); it stays queued and is retried. */
  failed(shard: number, error: Error): void;
}

/** Ops per script call, at most: bounds one script's run time (Redis runs nothing else meanwhile). */
const MAX_BATCH = 500;
const RETRY_MS = 200;

/**
 * One FIFO of claims, releases and expiries per shard, flushed as one
 * APPLY_OPS call per shard after the current burst of I/O (setImmediate),
 * so a thousand registrations in one poll cost a few dozen script calls.
 *
 * Layout and costs: an array per shard (push O(1); a flush takes a prefix,
 * O(batch)). At most one call per shard is in flight: ops queued meanwhile
 * wait for it and go out together, which keeps one incarnation's ops in
 * order (APPLY_OPS relies on that) even across retries. A failed batch goes
 * back to the head of its queue and is retried every RETRY_MS: nothing is lost
 * while Redis is away, the queue grows instead.
 */
export class ShardOpQueue {
  private readonly queues: ShardOp[][] = Array.from({ length: CLUSTER_SHARDS }, () => []);
  private readonly inFlight: boolean[] = new Array<boolean>(CLUSTER_SHARDS).fill(false);
  private scheduled: NodeJS.Immediate | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly redis: RedisClient,
    private incarnation: string,
    private readonly events: OpQueueEvents,
  ) {}

  add(shard: number, op: ShardOp): void {
    this.queues[shard].push(op);
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** A new incarnation: the old one's queued ops are dropped (Redis would refuse them anyway). */
  reset(incarnation: string): void {
    this.incarnation = incarnation;
    for (const q of this.queues) q.length = 0;
  }

  /** Resolves once everything queued now has been answered or has failed once. */
  async drain(): Promise<void> {
    this.flush();
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  get queued(): number {
    let n = 0;
    for (const q of this.queues) n += q.length;
    return n;
  }

  stop(): void {
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    clearTimeout(this.retryTimer);
  }

  private flush(): void {
    this.scheduled = undefined;
    for (let shard = 0; shard < CLUSTER_SHARDS; shard++) {
      if (!this.inFlight[shard] && this.queues[shard].length > 0) this.send(shard);
    }
  }

  private send(shard: number): void {
    const batch = this.queues[shard].splice(0, MAX_BATCH);
    const incarnation = this.incarnation;
    const k = shardKeys(shard);
    const argv: string[] = [incarnation, k.incPrefix, String(EVENTS_MAXLEN), movesChannel('')];
    for (const op of batch) argv.push(op.kind, op.clientId);
    this.inFlight[shard] = true;
    const call = this.redis
      .kwApplyOps(k.owner, k.seen, k.gen, k.fenced, k.events, k.incPrefix + incarnation, ...argv)
      .then(
        (result) => {
          if (result === -1 || !Array.isArray(result)) {
            this.events.fenced(incarnation);
            return;
          }
          for (let i = 0; i < batch.length; i++) batch[i].done(Number(result[i]));
        },
        (error: Error) => {
          // Back to the head, in order, unless the incarnation changed meanwhile.
          if (incarnation === this.incarnation) this.queues[shard].unshift(...batch);
          this.events.failed(shard, error);
          this.retryTimer ??= setTimeout(() => {
            this.retryTimer = undefined;
            this.flush();
          }, RETRY_MS);
        },
      )
      .finally(() => {
        this.inFlight[shard] = false;
        this.pending.delete(call);
        if (this.queues[shard].length > 0) this.scheduled ??= setImmediate(() => this.flush());
      });
    this.pending.add(call);
  }
}
