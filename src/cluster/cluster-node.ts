import type { Registry } from 'prom-client';
import type { Clock } from '../monitor/clock.js';
import type { ClientRegistry, OwnershipHooks } from '../transports/gateway/client-registry.js';
import { CloseReason } from '../transports/gateway/close-codes.js';
import type { ClientEntry, Connection } from '../transports/gateway/connection.js';
import type { Logger } from '../transports/gateway/logger.js';
import { ClusterMetrics } from './cluster-metrics.js';
import type { ClusterOptions } from './cluster-options.js';
import { DeadNodeReaper } from './dead-node-reaper.js';
import { newIncarnation } from './incarnation.js';
import { clusterShardOf, NODE_KEYS } from './key-layout.js';
import { MoveListener } from './move-listener.js';
import { LeaseThread } from './lease/lease-thread.js';
import { connectRedis, createRedisClient, type RedisClient } from './redis-connection.js';
import { SeenFlusher } from './seen-flusher.js';
import { ShardOpQueue, type OpKind } from './shard-op-queue.js';

const CONNECT_TIMEOUT_MS = 10_000;
/**
 * A main loop silent for this many leases is hung, not busy: the lease
 * thread stops renewing, so survivors reap it within this many leases plus
 * one. Busy loops (a registration storm on a starved machine: seconds) keep
 * their lease.
 */
const MAX_LOOP_SILENCE_LEASES = 3;

/** What Redis knows of one local client's life: under which incarnation it was claimed, with which generation. */
interface Claim {
  readonly incarnation: string;
  /** 0 while the claim is on its way. */
  generation: number;
  /** The highest generation of a takeover notice that arrived while the claim was on its way. */
  movedAt: number;
}

export interface ClusterAttachment {
  registry: ClientRegistry;
  connections: ReadonlySet<Connection>;
  clock: Clock;
}

/**
 * One gateway's membership of the cluster: its incarnation and lease,
 * the claims/releases/expiries of its clients (OwnershipHooks, batched
 * per shard), takeovers by other gateways (closing the local socket),
 * reaping dead gateways' clients, and last-seen flushes.
 */
export class ClusterNode implements OwnershipHooks {
  private readonly claims = new WeakMap<ClientEntry, Claim>();
  private readonly ops: ShardOpQueue;
  private readonly lease: LeaseThread;
  private readonly moves: MoveListener;
  private readonly reaper: DeadNodeReaper;
  readonly metrics: ClusterMetrics;
  private attached: ClusterAttachment | undefined;
  private flusher: SeenFlusher | undefined;
  private lastOpErrorLog = 0;
  private stopped = false;
  /** Test hook only: move notices are dropped on arrival, as if lost. */
  private ignoringMoves = false;
  address = '';

  private constructor(
    readonly options: ClusterOptions,
    readonly redis: RedisClient,
    /** Reap checks: their own connection, never queued behind a burst of claims (the lease thread has its own). */
    private readonly control: RedisClient,
    private incarnationNow: string,
    metricsRegistry: Registry,
    private readonly log: Logger,
  ) {
    this.metrics = new ClusterMetrics(metricsRegistry, { queuedOps: () => this.ops.queued, isolated: () => this.lease.isolated });
    this.ops = new ShardOpQueue(redis, incarnationNow, {
      fenced: (inc) => {
        this.metrics.fencedWrites.inc();
        this.onFenced(inc);
      },
      failed: (shard, error) => this.opFailed(shard, error),
    });
    const leaseOptions = {
      redis: options.redis,
      connectionName: `keepwatch:${options.nodeId}:lease`,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      leaseMs: options.leaseMs,
      renewMs: options.renewMs,
      maxLoopSilenceMs: MAX_LOOP_SILENCE_LEASES * options.leaseMs,
    };
    this.lease = new LeaseThread(leaseOptions, incarnationNow, this.metrics, log, {
      fenced: (inc) => this.onFenced(inc),
      info: () => `${options.nodeId} ${this.address} ${this.attached?.registry.size ?? 0}`,
    });
    this.moves = new MoveListener(options.redis, redis, `keepwatch:${options.nodeId}:moves`, log, (clientId, generation) =>
      this.onTakenOver(clientId, generation),
    );
    this.reaper = new DeadNodeReaper(control, () => this.incarnationNow, options.leaseMs, options.reapCheckMs, this.metrics, log);
  }

  /** Connects (bounded), subscribes, takes a lease: the gateway serves only once it is a member. */
  static async start(options: ClusterOptions, metricsRegistry: Registry, log: Logger): Promise<ClusterNode> {
    const redis = createRedisClient(options.redis, `keepwatch:${options.nodeId}`);
    const control = createRedisClient(options.redis, `keepwatch:${options.nodeId}:reaper`);
    let node: ClusterNode | undefined;
    try {
      await Promise.all([redis, control].map((client) => connectRedis(client, CONNECT_TIMEOUT_MS)));
      node = new ClusterNode(options, redis, control, newIncarnation(options.nodeId), metricsRegistry, log);
      // After the connect: the command client's slots say which masters to listen on.
      await node.moves.start(node.incarnationNow, CONNECT_TIMEOUT_MS);
      return node;
    } catch (error) {
      redis.disconnect();
      control.disconnect();
      node?.moves.stop();
      throw new Error(`cluster: ${(error as Error).message}`);
    }
  }

  get incarnation(): string {
    return this.incarnationNow;
  }

  /** Ties the node to the gateway's registry and connections, then joins (the lease thread's first renewal) and starts its loops. */
  async join(attachment: ClusterAttachment, address: string): Promise<void> {
    this.attached = attachment;
    this.address = address;
    try {
      await this.lease.start();
    } catch (error) {
      // The gateway does not start: nothing of it may keep the process up.
      this.disconnect();
      throw new Error(`cluster: ${(error as Error).message}`);
    }
    this.reaper.start();
    this.flusher = new SeenFlusher(
      this.redis,
      attachment.clock,
      this.options.seenFlushMs,
      () => attachment.registry.entries(),
      (entry) => {
        const claim = this.claims.get(entry);
        return claim !== undefined && claim.incarnation === this.incarnationNow && claim.generation > 0 ? claim : undefined;
      },
      (entry, generation) => this.onNotOwned(entry, generation),
      (error) => this.opFailed(-1, error),
    );
    this.flusher.start();
    this.log.info({ event: 'cluster_joined', nodeId: this.options.nodeId, incarnation: this.incarnationNow, redis: this.options.redis.kind });
  }

  claimed(entry: ClientEntry): void {
    const claim: Claim = { incarnation: this.incarnationNow, generation: 0, movedAt: 0 };
    this.claims.set(entry, claim);
    this.ops.add(clusterShardOf(entry.clientId), {
      kind: 'c',
      clientId: entry.clientId,
      done: (result) => {
        const generation = Math.abs(result);
        if (result < 0) this.metrics.takeovers.inc({ side: 'won' });
        claim.generation = generation;
        if (claim.movedAt > generation) this.dropTakenOver(entry);
      },
    });
  }

  released(entry: ClientEntry, why: 'closed' | 'expired'): void {
    const claim = this.claims.get(entry);
    // A life claimed under an older (fenced) incarnation is not ours to release any more.
    if (claim === undefined || claim.incarnation !== this.incarnationNow) return;
    const kind: OpKind = why === 'expired' ? 'x' : 'r';
    this.ops.add(clusterShardOf(entry.clientId), { kind, clientId: entry.clientId, done: () => undefined });
  }

  /** Another gateway claimed `clientId` with `generation`: close our socket if our life of it is older. */
  private onTakenOver(clientId: string, generation: number): void {
    if (this.ignoringMoves) return;
    const entry = this.attached?.registry.get(clientId);
    if (entry === undefined) return;
    const claim = this.claims.get(entry);
    if (claim === undefined || claim.incarnation !== this.incarnationNow) return;
    if (claim.generation === 0) {
      claim.movedAt = Math.max(claim.movedAt, generation);
      return;
    }
    if (claim.generation < generation) this.dropTakenOver(entry);
  }

  /**
   * The seen flush found that Redis no longer names this entry's claim
   * (`generation`, as checked) its owner: its move notice was lost (the
   * subscriber connection was down, a master failed over). Close it as a
   * takeover would, unless the entry changed meanwhile (closed, replaced,
   * claimed again: then the check was about an older life).
   */
  private onNotOwned(entry: ClientEntry, generation: number): void {
    const claim = this.claims.get(entry);
    if (claim === undefined || claim.incarnation !== this.incarnationNow || claim.generation !== generation) return;
    if (this.attached?.registry.get(entry.clientId) !== entry) return;
    this.metrics.missedMoves.inc();
    this.log.debug({ event: 'cluster_move_notice_missed', clientId: entry.clientId, generation });
    this.dropTakenOver(entry);
  }

  private dropTakenOver(entry: ClientEntry): void {
    const registry = this.attached?.registry;
    if (registry === undefined || registry.get(entry.clientId) !== entry) return;
    this.metrics.takeovers.inc({ side: 'lost' });
    registry.drop(entry);
  }

  /**
   * Redis refused this incarnation: the survivors fenced it and declared its
   * clients gone. Keep no presence the cluster no longer believes: take a new
   * incarnation, close every connection with 4005 (their clients reconnect,
   * here or elsewhere); the lease thread renews under the new one at once.
   */
  private onFenced(incarnation: string): void {
    if (incarnation !== this.incarnationNow || this.stopped) return;
    const fresh = newIncarnation(this.options.nodeId);
    this.incarnationNow = fresh;
    this.ops.reset(fresh);
    this.lease.incarnation = fresh;
    this.metrics.fences.inc();
    const connections = [...(this.attached?.connections ?? [])];
    this.log.warn({ event: 'cluster_fenced', incarnation, newIncarnation: fresh, closing: connections.length });
    for (const conn of connections) conn.close(CloseReason.ClusterLeaseLost);
    this.moves.listen(fresh).catch((error: Error) => this.log.error({ event: 'cluster_subscribe_failed', err: error.message }));
  }

  private opFailed(shard: number, error: Error): void {
    this.metrics.redisErrors.inc();
    const now = performance.now();
    // One line a second at most while Redis is away.
    if (now - this.lastOpErrorLog < 1000) return;
    this.lastOpErrorLog = now;
    this.log.warn({ event: 'cluster_redis_error', shard, queued: this.ops.queued, err: error.message });
  }

  /** Test hook (GET /test/lease-thread-fail, KEEPWATCH_TEST_HOOKS=1): the lease thread throws; it is restarted after a renewal period. */
  failLeaseThread(): void {
    this.lease.failForTest();
  }

  /** Test hook (GET /test/ignore-moves?on=1|0, KEEPWATCH_TEST_HOOKS=1): move notices are ignored, as if lost on the way. */
  ignoreMoves(on: boolean): void {
    this.ignoringMoves = on;
  }

  /** Graceful leave: releases already queued are sent, then the lease is marked lapsed so survivors reap anything left. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // Before the leave: no renewal may land after it and revive the lease.
    await this.lease.stop();
    this.reaper.stop();
    this.flusher?.stop();
    try {
      await this.ops.drain();
      await this.redis.kwLeave(NODE_KEYS.leases, this.incarnationNow);
    } catch (error) {
      this.log.warn({ event: 'cluster_leave_failed', err: (error as Error).message });
    }
    this.ops.stop();
    this.disconnect();
  }

  private disconnect(): void {
    this.redis.disconnect();
    this.moves.stop();
    this.control.disconnect();
  }
}
