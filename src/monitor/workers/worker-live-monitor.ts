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
 *   one timer at min(heap tops)  --- a peek at shared memory, no message
 *   timer fires -> once the sockets have been read (input-horizon.ts),
 *     at the read horizon, not the clock's time -> a ROUND:
 *       lend each due shard, post { kind, now, buffers }  ---->  view over the
 *                                                                 buffers; sweep;
 *       settle: slots -> ids, in chunks     <----  slots found    walk the order
 *       forget released ids, emit events
 *       give the shard back: apply the ops queued meanwhile
 *
 * Ownership instead of a load balancer: a shard is LENT for the whole of a
 * task plus the settling of its findings (shard-host.ts). While lent, the
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
 * A task that fails (its worker died, or it threw) leaves the shard half
 * swept; the main thread rebuilds the links from the slot fields a sweep
 * never writes and its own index (Shard.relink) and runs the task again on
 * the replacement worker: no client is lost, and the expiries of the lost
 * task are found again, since they are still due. After MAX_ATTEMPTS the
 * task runs on the main thread (the same code over the same buffers), with
 * a process warning: a shard's findings are never dropped.
 *
 * THE TIMER is armed at the earliest deadline after every round (the
 * shards are all back then) and by any operation that moves one earlier;
 * a lent shard answers with a lower bound (shard-host.ts). When it fires
 * during a round, its sweep waits its turn in the round queue, and nothing
 * re-arms until that sweep starts: a stream of status rounds delays expiry
 * by about one round, never stops it.
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
 * with a yield between them (settle-task.ts); check/status, the k-way
 * merge in one go (O(n * shards)); with queued expiry reports (the node), their sort by
 * registration. The worker pays the sweep (O(k + log d) per list) and the
 * walk. The pool's threads start with the monitor: the first round waits
 * for them (tens of ms), so a server awaits one status() before serving.
 */
import { MonotonicClock, type Clock } from '../clock.js';
import { DeadlineTimer } from '../deadline-timer.js';
import { ExpiryReports } from '../expiry-reports.js';
import type { InProcessLiveMonitorOptions, LiveMonitor, LiveMonitorEvents } from '../live-monitor.js';
import {
  DEFAULT_PING_INTERVAL_MS,
  DEFAULT_TIMEOUT_MS,
  type CheckResult,
  type ClientHandle,
  type ClientSettings,
  type ClientStatus,
} from '../monitor.js';
import { shardOf } from '../shard-hash.js';
import { mergeBySeq, type OrderWalk } from './merge-by-seq.js';
import { settleTask } from './settle-task.js';
import { PendingHandle, ShardHost } from './shard-host.js';
import { ShardPool } from './shard-pool.js';
import { runShardTask } from './shard-worker.js';
import type { ShardTask, ShardTaskKind, ShardTaskOptions, ShardTaskResult } from './shard-task.js';

/** Runs of a task on the pool before it runs on the main thread instead (each after a repair). */
const MAX_ATTEMPTS = 3;

/** Runs one task on the pool: the default is `runOnPool` itself. */
export type ShardTaskRunner = (task: ShardTask, runOnPool: (task: ShardTask) => Promise<ShardTaskResult>) => Promise<ShardTaskResult>;

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

/** Timing of the latest round, for the benchmarks (hand-off cost). */
export interface RoundTiming {
  kind: ShardTaskKind;
  shards: number;
  /** From posting the tasks to the last shard given back (ms). */
  endToEndMs: number;
  /** The longest time spent in a worker by one task of the round (ms). */
  workerMs: number;
}

export class WorkerLiveMonitor implements LiveMonitor {
  readonly clock: Clock;
  /** Set after every round. */
  lastRound: RoundTiming | undefined;
  private readonly hosts: ShardHost[];
  private readonly pool: ShardPool;
  private readonly events: LiveMonitorEvents;
  private readonly reports = new ExpiryReports();
  private readonly queueReports: boolean;
  /** How every shard is built, here and in the workers. */
  private readonly shardOptions: ShardTaskOptions;
  private readonly sweepTimer: boolean;
  /** Whether check and status sweep first (as KeepAliveMonitor's sweepOnAccess). */
  private readonly sweepOnAccess: boolean;
  private readonly runOnPool: (task: ShardTask) => Promise<ShardTaskResult>;
  /** A timer sweep waits in the round queue: no re-arming until it starts. */
  private timerSweepQueued = false;
  private nextSeq = 0;
  private rounds: Promise<unknown> = Promise.resolve();
  private roundsInFlight = 0;
  private readonly timer: DeadlineTimer;
  private closed = false;

  constructor(options: WorkerLiveMonitorOptions = {}) {
    const count = options.shards ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`shards must be an integer >= 1, got ${count}`);
    this.clock = options.clock ?? new MonotonicClock();
    this.events = options.events ?? {};
    this.queueReports = options.queueExpiryReports ?? false;
    this.shardOptions = { trackPings: options.trackPings ?? true, pingTickMs: options.pingTickMs ?? 1 };
    this.timer = new DeadlineTimer(this.clock, (readUpTo) => this.onTimer(readUpTo), (lagMs) => this.events.horizonLag?.(lagMs));
    this.sweepTimer = options.sweepTimer ?? true;
    const hostEvents = {
      expired: (id: string, deadline: number) => this.events.expired?.({ count: 1, ids: [id], deadlines: [deadline] }, this.clock.now()),
      report: (id: string, seq: number) => {
        if (this.queueReports) this.reports.add([id], [seq], 1);
      },
    };
    const sweepOnAccess = options.sweepOnAccess ?? true;
    this.sweepOnAccess = sweepOnAccess;
    this.hosts = Array.from({ length: count }, (_, i) => new ShardHost(i, this.shardOptions, sweepOnAccess, hostEvents));
    this.pool = new ShardPool(options.workers ?? 1, options.workerEntry);
    const runTask = options.runTask;
    this.runOnPool = runTask ? (task) => runTask(task, (t) => this.pool.run(t)) : (task) => this.pool.run(task);
  }

  /** Live clients (while a shard is lent: as of its last settled state). */
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
    this.armAt(host.nextFireAt());
    return handle instanceof PendingHandle ? handle : { shard: host.index, handle };
  }

  // A heartbeat mostly pushes deadlines later; but a client pinged in its
  // silence re-enters its ping list, possibly ahead of the armed timer.
  heartbeat(clientId: string): boolean {
    const host = this.hostOf(clientId);
    const alive = host.heartbeat(clientId, this.clock.now());
    this.armAt(host.nextFireAt());
    return alive;
  }

  heartbeatHandle(client: ClientHandle): boolean {
    const host = this.hosts[client.shard];
    if (host === undefined) return false;
    const alive = host.heartbeatHandle(client instanceof PendingHandle ? client : client.handle, this.clock.now());
    this.armAt(host.nextFireAt());
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
    return this.enqueue(async () => {
      const { walks } = await this.round('check', this.hosts);
      const active: string[] = [];
      mergeBySeq(walks, (id) => active.push(id));
      return { expired: this.reports.drain(), active };
    });
  }

  status(): Promise<ClientStatus[]> {
    return this.enqueue(async () => {
      const { walks, now } = await this.round('status', this.hosts);
      const out: ClientStatus[] = [];
      mergeBySeq(walks, (clientId, lastSeen) => out.push({ clientId, lastSeenMsAgo: now - lastSeen, status: 'active' }));
      return out;
    });
  }

  /**
   * Sweeps what is due now (a ka_check nobody reads: expiries stay queued).
   * Nothing due and no round in flight: a peek at the heap tops, no round.
   */
  sweep(currentTimeMs?: number): Promise<void> {
    if (currentTimeMs !== undefined) this.clock.observe(currentTimeMs);
    if (this.roundsInFlight === 0 && this.nextFireAt() > this.clock.now()) return NOTHING_DUE;
    return this.enqueue(() => this.sweepDue(this.clock.now()));
  }

  /** The earliest time a sweep has work, over the shards not out on a worker; Infinity if none. */
  nextFireAt(): number {
    let next = Infinity;
    for (const host of this.hosts) next = Math.min(next, host.nextFireAt());
    return next;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.timer.cancel();
    await this.rounds;
    await this.pool.close();
  }

  private hostOf(clientId: string): ShardHost {
    return this.hosts[shardOf(clientId, this.hosts.length)];
  }

  /**
   * Rounds run one at a time, in call order. With none in flight, a round
   * starts (lends its shards) within the call, so it sees exactly the
   * operations issued before it; otherwise also those issued while it waited.
   */
  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const started = ++this.roundsInFlight === 1 ? work() : this.rounds.then(work);
    const run = started.finally(() => {
      this.roundsInFlight--;
      this.arm();
    });
    this.rounds = run.catch(() => undefined);
    return run;
  }

  /** A timer sweep at `readUpTo` (a read horizon: input-horizon.ts), of the shards with work by then. */
  private async sweepDue(readUpTo: number): Promise<void> {
    const due = this.hosts.filter((host) => host.nextFireAt() <= readUpTo);
    if (due.length > 0) await this.round('sweep', due, readUpTo);
  }

  /**
   * Lends `hosts` to the workers for one task each at the same time, settles
   * their findings, then gives them back (applying what was queued). No
   * shard is given back before every task and settling of the round is
   * over, failed or not: a shard handed back while its worker still sweeps
   * it would be written by two threads at once.
   */
  private async round(
    kind: ShardTaskKind,
    hosts: readonly ShardHost[],
    now = this.clock.now(),
  ): Promise<{ walks: OrderWalk[]; now: number }> {
    const started = performance.now();
    let workerMs = 0;
    const sweeping = kind === 'sweep' || this.sweepOnAccess;
    for (const host of hosts) host.lend(now, sweeping);
    // Tasks run in parallel; their results are settled one at a time, in
    // arrival order, so each event-loop turn does one chunk, not one per shard.
    let settling: Promise<unknown> = Promise.resolve();
    try {
      const outcomes = await Promise.allSettled(
        hosts.map(async (host) => {
          const result = await this.runTask(host, kind, now, sweeping);
          workerMs = Math.max(workerMs, result.workerMs);
          const mine = settling.then(() => settleTask(host, result, now, { events: this.events, queueReports: this.queueReports, swept: sweeping }));
          settling = mine.catch(() => undefined);
          return mine;
        }),
      );
      const settled = outcomes.map((outcome) => {
        if (outcome.status === 'rejected') throw outcome.reason;
        return outcome.value;
      });
      const expiredIds = settled.flatMap((s) => s.expiredIds);
      const expiredSeqs = settled.flatMap((s) => s.expiredSeqs);
      if (this.queueReports && expiredIds.length > 0) this.reports.add(expiredIds, expiredSeqs, expiredIds.length);
      return { walks: settled.map((s) => s.walk), now };
    } finally {
      for (const host of hosts) host.giveBack();
      this.lastRound = { kind, shards: hosts.length, endToEndMs: performance.now() - started, workerMs };
    }
  }

  /**
   * Runs the task on the pool; after a failure (a worker that died, a task
   * that threw), repairs the shard and runs it again; after MAX_ATTEMPTS,
   * runs it on this thread: the findings of a shard are never dropped.
   */
  private async runTask(host: ShardHost, kind: ShardTaskKind, now: number, sweep: boolean): Promise<ShardTaskResult> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const task: ShardTask = { kind, sweep, shard: host.index, now, ...this.shardOptions, buffers: host.shard.buffers() };
      try {
        return await this.runOnPool(task);
      } catch (error) {
        lastError = error;
        host.repair();
      }
    }
    process.emitWarning(
      `keepwatch: shard ${host.index}'s ${kind} task failed ${MAX_ATTEMPTS} times on the worker pool ` +
        `(${(lastError as Error)?.message ?? String(lastError)}); it ran on the main thread`,
    );
    return runShardTask({ kind, sweep, shard: host.index, now, ...this.shardOptions, buffers: host.shard.buffers() });
  }

  /** Re-arms the timer at the earliest deadline of all shards (lower bounds for lent ones). */
  private arm(): void {
    this.armAt(this.nextFireAt());
  }

  /** Arms the timer for `at` if that is earlier than it is armed for. */
  private armAt(at: number): void {
    if (this.closed || !this.sweepTimer || this.timerSweepQueued) return;
    this.timer.arm(at);
  }

  /**
   * The sweep waits its turn behind the rounds already queued (a stream of
   * status rounds delays it by one round, never indefinitely); until it
   * starts, nothing re-arms, so a flood of rounds queues one sweep, not many.
   * It sweeps at the read horizon it was given, however late it starts:
   * an earlier horizon is still one (input-horizon.ts), so a round that
   * ends in the middle of a poll phase cannot start a sweep at a time whose
   * input has not been read yet.
   */
  private onTimer(readUpTo: number): void {
    if (this.closed) return;
    this.timerSweepQueued = true;
    this.enqueue(() => {
      this.timerSweepQueued = false;
      return this.sweepDue(readUpTo);
    }).catch((error: unknown) => {
      process.emitWarning(`keepwatch: a timer sweep failed: ${(error as Error).message}`);
    });
  }
}

const NOTHING_DUE: Promise<void> = Promise.resolve();
