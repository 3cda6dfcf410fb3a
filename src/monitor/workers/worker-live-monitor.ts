/**
 * A LiveMonitor whose shard work runs on worker threads (a piscina pool),
 * over shard state that lives in SharedArrayBuffers.
 *
 * THREADING SCHEME
 *
 *   main thread                                  piscina workers
 *   -----------                                  ---------------
 *   register / heartbeat / remove: O(1) on the
 *     owning Shard (index Map, slot writes)
 *   one timer at min(next filed)  --- a peek at shared memory, no message
 *   timer fires -> once the sockets have been read (input-horizon.ts),
 *     at the read horizon, not the clock's time -> a ROUND:
 *       lend each due shard, post { kind, now, buffers }  ---->  view over the
 *                                                                 buffers; sweep;
 *       deliver: slots -> ids, in chunks    <----  slots found    walk the order
 *       forget released ids, emit events
 *       give the shard back: apply the ops queued meanwhile
 *
 * Ownership instead of a load balancer: a shard is LENT for the whole of a
 * task plus the delivery of its findings (shard-host.ts). While lent, the
 * main thread does not touch its shared state and queues the operations
 * that arrive for it (answering them at once); so each shard is served by
 * exactly one worker at a time, whichever worker piscina picks, and no
 * thread ever waits for another (no Atomics.wait, no lock across an await).
 * piscina's default balancer then keeps both cores busy with different
 * shards, which a per-shard worker affinity would not improve: the state
 * is shared, there is no cache to be warm in the worker.
 *
 * MEMORY ORDERING on this path (the rule itself: core/shared-beat.ts).
 * Lending is the rule's point 2: between `lend` and `giveBack` only the
 * worker writes the shard; the main thread writes nothing of it (its
 * register / heartbeat / remove are queued in shard-host.ts, not stored)
 * and reads only what a sweep never changes the meaning of (TIMEOUT,
 * REG_SEQ, GEN, last_seen, via the Shard's own accessors). The task's
 * message is the hand-over: everything the main thread wrote before
 * posting it is visible to the worker, and everything the worker wrote
 * before its result was posted is visible when the result arrives.
 * A round never gives a shard back while any task of the round still runs
 * (allSettled), so a failed task cannot end one shard's lending early.
 *
 * The parts, one file each: the round queue (round-queue.ts), a round
 * (shard-round.ts: lend, run, deliver, give back), a task's retries and
 * crash repair (repairing-runner.ts, with the seam tests use to make tasks
 * fail), the timer (sweep-timer.ts), the delivery of findings
 * (deliver-findings.ts) and the main thread's side of a shard (shard-host.ts).
 * This file puts them together behind the LiveMonitor interface.
 *
 * A task that fails is repaired and run again, then run on the main
 * thread: a shard's findings are never dropped (repairing-runner.ts).
 * THE TIMER is armed at the earliest deadline after every round (the
 * shards are all back then) and by any operation that moves one earlier;
 * a lent shard answers with a lower bound (shard-host.ts). A stream of
 * status rounds delays expiry by about one round, never stops it
 * (sweep-timer.ts).
 *
 * Why slots come back, not id strings: the ids are already on the main
 * thread (the Map index is the fastest lookup and stays there), so reading
 * them by slot costs an array load each, in chunks that keep every pause
 * short; strings decoded from shared memory in the worker would have to be
 * cloned back anyway, in one uninterruptible deserialisation (measured at
 * 100k ids: ~4-10 ms, versus ~3 ms of array loads that can be split).
 *
 * Rounds (timer sweeps, check, status) run one after another; check and
 * status fan out to every shard at once and merge the walks by
 * registration sequence, exactly as KeepAliveMonitor does in process.
 *
 * Rounds start within the call when none is in flight, so a check sees
 * exactly the operations issued before it. Answers equal the in-process
 * monitor's whenever time moves only with the rounds (the stdio node). When
 * time moves on its own, a register that finds its id past its deadline
 * but not swept yet reports that expiry at once, ahead of the others of
 * the sweep to come: the same expiries, possibly in another report order.
 *
 * COSTS on the main thread: nothing due, a comparison per shard when
 * (re-)arming; per round, one message per shard; per expiry an array load
 * and a Map delete, per ping or listed client an array load, in chunks
 * with a yield between them (deliver-findings.ts); check/status, the k-way
 * merge in one go (O(n * shards)); with queued expiry reports (the node), their sort by
 * registration. The worker pays the sweep (O(k) for k due, plus the
 * wheel's cascades: core/shared-shard.ts) and the walk. The pool's threads start with the monitor: the first round waits
 * for them (tens of ms), so a server awaits one status() before serving.
 */
import { MonotonicClock, type Clock } from '../clock.js';
import { ExpiryReports } from '../expiry-reports.js';
import type { InProcessLiveMonitorOptions, LiveMonitor } from '../live-monitor.js';
import {
  DEFAULT_PING_INTERVAL_MS,
  DEFAULT_TIMEOUT_MS,
  type CheckResult,
  type ClientHandle,
  type ClientSettings,
  type ClientStatus,
} from '../monitor.js';
import { shardOf } from '../shard-hash.js';
import { mergeBySeq } from './merge-by-seq.js';
import { RepairingRunner, type ShardTaskRunner } from './repairing-runner.js';
import { RoundQueue } from './round-queue.js';
import { PendingHandle, ShardHost } from './shard-host.js';
import { ShardPool } from './shard-pool.js';
import { runRound, type RoundSettings, type RoundTiming } from './shard-round.js';
import type { ShardTaskOptions } from './shard-task.js';
import { SweepTimer } from './sweep-timer.js';

export type { RoundTiming } from './shard-round.js';
export type { ShardTaskRunner } from './repairing-runner.js';

/** InProcessLiveMonitor's options, and the pool's. */
export interface WorkerLiveMonitorOptions extends InProcessLiveMonitorOptions {
  /** Worker threads in the pool (default 1). */
  workers?: number;
  /**
   * Sweep on a timer at the earliest deadline (default true). The stdio
   * node on its virtual clock sweeps only at ka_check, as in process.
   */
  sweepTimer?: boolean;
  /** The file the pool's workers load (default: the compiled entry beside this module). */
  workerEntry?: string;
  /** How a task reaches the pool; a test wraps it to make tasks fail (default: straight to the pool). */
  runTask?: ShardTaskRunner;
}

export class WorkerLiveMonitor implements LiveMonitor {
  readonly clock: Clock;
  /** A registration on a lent shard gives a PendingHandle, resolved when the shard comes back. */
  readonly finalHandles = false;
  /** Set after every round, for the benchmarks. */
  lastRound: RoundTiming | undefined;
  private readonly hosts: ShardHost[];
  private readonly runner: RepairingRunner;
  /** Expiries queued for the next check (the stdio node); undefined when not queued (servers). */
  private readonly reports: ExpiryReports | undefined;
  private readonly roundSettings: RoundSettings;
  private readonly queue: RoundQueue;
  private readonly timer: SweepTimer;
  private nextSeq = 0;

  constructor(options: WorkerLiveMonitorOptions = {}) {
    const count = options.shards ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`shards must be an integer >= 1, got ${count}`);
    this.clock = options.clock ?? new MonotonicClock();
    const events = options.events ?? {};
    this.reports = options.queueExpiryReports ? new ExpiryReports() : undefined;
    const shardOptions: ShardTaskOptions = { trackPings: options.trackPings ?? true, pingTickMs: options.pingTickMs ?? 1 };
    const sweepOnAccess = options.sweepOnAccess ?? true;
    const hostEvents = {
      expired: (id: string, deadline: number) => events.expired?.({ count: 1, ids: [id], deadlines: [deadline] }, this.clock.now()),
      report: (id: string, seq: number) => this.reports?.add([id], [seq], 1),
    };
    this.hosts = Array.from({ length: count }, (_, i) => new ShardHost(i, shardOptions, sweepOnAccess, hostEvents));
    this.runner = new RepairingRunner(new ShardPool(options.workers ?? 1, options.workerEntry), shardOptions, options.runTask);
    this.roundSettings = {
      runner: this.runner,
      events,
      reports: this.reports,
      sweepOnAccess,
      timed: (timing) => {
        this.lastRound = timing;
      },
    };
    this.queue = new RoundQueue(() => this.arm());
    this.timer = new SweepTimer(
      this.clock,
      options.sweepTimer ?? true,
      (readUpTo, starting) =>
        this.queue.run(() => {
          starting();
          return this.sweepDue(readUpTo);
        }),
      (lagMs) => events.horizonLag?.(lagMs),
    );
  }

  /** Live clients (while a shard is lent: as of its last delivered state). */
  get size(): number {
    let n = 0;
    for (const host of this.hosts) n += host.shard.size;
    return n;
  }

  register(clientId: string, settings: ClientSettings): ClientHandle {
    const host = this.hostOf(clientId);
    const handle = host.register(
      clientId,
      settings.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      settings.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS,
      this.clock.now(),
      this.nextSeq++,
    );
    // The timer re-arms only if this moved the shard's next deadline earlier (O(1)).
    this.timer.armAt(host.nextFireAt());
    return handle instanceof PendingHandle ? handle : { shard: host.index, handle };
  }

  // A heartbeat mostly pushes deadlines later; but a client pinged in its
  // silence re-enters its ping list, possibly ahead of the armed timer.
  heartbeat(clientId: string): boolean {
    const host = this.hostOf(clientId);
    const alive = host.heartbeat(clientId, this.clock.now());
    this.timer.armAt(host.nextFireAt());
    return alive;
  }

  heartbeatHandle(client: ClientHandle): boolean {
    const host = this.hosts[client.shard];
    if (host === undefined) return false;
    const alive = host.heartbeatHandle(client instanceof PendingHandle ? client : client.handle, this.clock.now());
    this.timer.armAt(host.nextFireAt());
    return alive;
  }

  remove(clientId: string): boolean {
    return this.hostOf(clientId).remove(clientId, this.clock.now());
  }

  has(clientId: string): boolean {
    return this.hostOf(clientId).has(clientId, this.clock.now());
  }

  /** Sweeps every shard, hands out the queued expiries, lists the live clients. */
  check(currentTimeMs?: number): Promise<CheckResult> {
    if (currentTimeMs !== undefined) this.clock.observe(currentTimeMs);
    return this.queue.run(async () => {
      const walks = await runRound('check', this.hosts, this.clock.now(), this.roundSettings);
      const active: string[] = [];
      mergeBySeq(walks, (id) => active.push(id));
      return { expired: this.reports?.drain() ?? [], active };
    });
  }

  status(): Promise<ClientStatus[]> {
    return this.queue.run(async () => {
      const now = this.clock.now();
      const walks = await runRound('status', this.hosts, now, this.roundSettings);
      const out: ClientStatus[] = [];
      mergeBySeq(walks, (clientId, lastSeen) => out.push({ clientId, lastSeenMsAgo: now - lastSeen, status: 'active' }));
      return out;
    });
  }

  /**
   * Sweeps what is due now (a ka_check nobody reads: expiries stay queued).
   * Nothing due and no round in flight: a peek at each shard's next filed time, no round.
   */
  sweep(currentTimeMs?: number): Promise<void> {
    if (currentTimeMs !== undefined) this.clock.observe(currentTimeMs);
    if (this.queue.idle && this.nextFireAt() > this.clock.now()) return NOTHING_DUE;
    return this.queue.run(() => this.sweepDue(this.clock.now()));
  }

  /** The earliest time a sweep has work, over the shards not out on a worker; Infinity if none. */
  nextFireAt(): number {
    let next = Infinity;
    for (const host of this.hosts) next = Math.min(next, host.nextFireAt());
    return next;
  }

  async close(): Promise<void> {
    this.timer.close();
    await this.queue.drained();
    await this.runner.close();
  }

  private hostOf(clientId: string): ShardHost {
    return this.hosts[shardOf(clientId, this.hosts.length)];
  }

  /** A timer sweep at `readUpTo` (a read horizon: input-horizon.ts), of the shards with work by then. */
  private async sweepDue(readUpTo: number): Promise<void> {
    const due = this.hosts.filter((host) => host.nextFireAt() <= readUpTo);
    if (due.length > 0) await runRound('sweep', due, readUpTo, this.roundSettings);
  }

  /** Re-arms the timer at the earliest deadline of all shards (lower bounds for lent ones). */
  private arm(): void {
    this.timer.armAt(this.nextFireAt());
  }
}

const NOTHING_DUE: Promise<void> = Promise.resolve();
