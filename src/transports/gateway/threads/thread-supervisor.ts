import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ThreadStartupConfigError } from '../../../edge/startup-errors.js';
import type { Health } from '../http-routes.js';
import type { Logger } from '../logger.js';
import type { GatewayOptions } from '../options.js';
import { DEFAULT_CLIENT_QUERY } from '../../../dashboard/client-query.js';
import { combineHealth, combineKick, combineMetrics, mergeClientPages, type ThreadAnswer } from './aggregate.js';
import { mergeLiveReports } from '../../../dashboard/live-report.js';
import { SharedPerIpConnections } from '../../../edge/limits/shared-per-ip-connections.js';
import { ProcessCounters } from './process-counters.js';
import type { SupervisorMetrics } from './supervisor-metrics.js';
import type { Collected, CollectArgs, CollectKind, IoThreadData, MainToThread, ReportKind, ThreadReports, ThreadToMain } from './thread-messages.js';

/** A thread that has not answered a collection within this long is reported without its figures (a stall). */
const COLLECT_TIMEOUT_MS = 1000;
/** The dashboard stream's second: every thread's report merged, this often. */
const LIVE_TICK_MS = 1000;
/** A replacement that itself fails to start is tried again after this long (not in a hot loop). */
const RETRY_START_MS = 500;
/** Ledger rows beyond the threads and the spare: failed threads still closing their sockets (each for well under a second). */
const LEDGERS_FOR_FAILING = 16;

/** The compiled CommonJS entry (io-thread-entry.cts) beside this module. */
function ioThreadEntry(): string {
  const file = fileURLToPath(new URL('./io-thread-entry.cjs', import.meta.url));
  if (!existsSync(file)) throw new Error(`I/O thread entry not found at ${file}: run 'npm run build'`);
  return file;
}

interface Slot {
  worker: Worker | undefined;
  state: 'starting' | 'running' | 'stopping';
}

/** One question to the running threads: their answers by thread number. */
interface Ask {
  answers: Map<number, ThreadReports[ReportKind] | 'flushed'>;
  done(): void;
}

/**
 * The main thread with --threads N: it starts N I/O threads on one port,
 * replaces a thread that fails (within a second, the others untouched),
 * answers their collection requests for the whole process's HTTP figures,
 * drives the dashboard stream's second (each thread's report, merged, sent
 * back to every thread), and stops them all on shutdown. It holds no
 * socket and no client.
 *
 * Replacement: one warm spare thread waits with its modules loaded (a cold
 * start loads the gateway's modules, ~0.2 s of CPU, seconds on a loaded
 * machine). A thread's 'failed' message activates the spare in its place at
 * once, while the failed thread still closes its sockets (SO_REUSEPORT lets
 * both listen meanwhile); a new spare is then started in the background.
 */
export class ThreadSupervisor {
  private readonly slots: Slot[];
  private readonly seq = new SharedArrayBuffer(8);
  private readonly counters: SharedArrayBuffer;
  private readonly perIp: SharedArrayBuffer | undefined;
  /** Ledger rows in `counters` no live worker holds. */
  private readonly freeLedgers: number[];
  private readonly ledgers = new Map<Worker, number>();
  private readonly asks = new Map<number, Ask>();
  private nextAsk = 0;
  private port = 0;
  private stopping = false;
  /** The warm spare (modules loaded, not listening), once the threads have started. */
  private spare: Worker | undefined;
  private liveTimer: NodeJS.Timeout | undefined;
  /** A live second is being gathered (a stalled thread holds it up to COLLECT_TIMEOUT_MS): the next waits. */
  private liveBusy = false;
  /** Some thread had a dashboard page open at the latest second. */
  private watched = false;
  /** Each worker's serial (never reused): whose /status cursors a thread holds, so they go when it does. */
  private readonly serials = new Map<Worker, number>();
  private readonly bySerial = new Map<number, Worker>();
  private nextSerial = 0;

  constructor(
    private readonly options: GatewayOptions,
    private readonly uws: Health['uws'],
    private readonly log: Logger,
    private readonly metrics: SupervisorMetrics,
  ) {
    this.slots = Array.from({ length: options.threads }, () => ({ worker: undefined, state: 'starting' }));
    const ledgers = options.threads + 1 + LEDGERS_FOR_FAILING;
    this.counters = ProcessCounters.create(ledgers);
    this.perIp = options.maxConnectionsPerIp > 0 ? SharedPerIpConnections.create(options.maxConnections) : undefined;
    this.freeLedgers = Array.from({ length: ledgers }, (_, i) => ledgers - 1 - i);
  }

  /** Starts every thread on the configured port (a real one: uWS shares no port 0); resolves with it. */
  async start(): Promise<number> {
    this.port = this.options.port;
    const started = await Promise.allSettled(this.slots.map((_, thread) => this.spawn(thread)));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed === undefined) {
      this.startSpare();
      this.liveTimer = setInterval(() => this.liveSecond(), LIVE_TICK_MS);
      this.liveTimer.unref();
      return this.port;
    }
    // The threads that did start must close their apps before the process exits.
    await this.stop(0);
    throw failed.reason;
  }

  /** 1001 to every client of every thread; resolves when every thread has closed its app and exited. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    clearInterval(this.liveTimer);
    const spare = this.spare;
    this.spare = undefined;
    const spareExited = spare === undefined ? Promise.resolve() : new Promise<void>((resolve) => spare.once('exit', () => resolve()));
    if (spare !== undefined) this.send(spare, { kind: 'stop', graceMs });
    const exits = this.slots.map((slot) => {
      const worker = slot.worker;
      if (worker === undefined) return Promise.resolve();
      slot.state = 'stopping';
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      this.send(worker, { kind: 'stop', graceMs });
      return exited;
    });
    await Promise.all([...exits, spareExited]);
  }

  /** A thread started cold (its modules loaded now), as thread `thread`. */
  private async spawn(thread: number): Promise<number> {
    return this.attach(thread, this.newWorker(thread));
  }

  /** A worker with its own ledger row and serial (both let go when it exits: see `ended`). */
  private newWorker(thread: number | undefined): Worker {
    const ledger = this.freeLedgers.pop();
    if (ledger === undefined) throw new Error(`no ledger row free: ${LEDGERS_FOR_FAILING} threads still failing`);
    const data: IoThreadData = { thread, options: this.options, port: this.port, seq: this.seq, counters: this.counters, ledger, perIp: this.perIp };
    const worker = new Worker(ioThreadEntry(), { workerData: data });
    const serial = this.nextSerial++;
    this.ledgers.set(worker, ledger);
    this.serials.set(worker, serial);
    this.bySerial.set(serial, worker);
    worker.once('exit', () => this.ended(worker));
    return worker;
  }

  /**
   * A worker has exited: what it held against the process-wide caps leaves
   * the totals (it may have died without closing its sockets), and the
   * /status cursors its readers held on the other threads go.
   */
  private ended(worker: Worker): void {
    const ledger = this.ledgers.get(worker);
    this.ledgers.delete(worker);
    if (ledger !== undefined) {
      ProcessCounters.repair(this.counters, ledger);
      this.freeLedgers.push(ledger);
    }
    const serial = this.serials.get(worker);
    if (serial === undefined) return;
    this.serials.delete(worker);
    this.bySerial.delete(serial);
    for (const slot of this.slots) if (slot.state === 'running' && slot.worker !== undefined) this.send(slot.worker, { kind: 'reader_gone', reader: serial });
  }

  /** A new warm spare, unless one waits already or the process is stopping. */
  private startSpare(): void {
    if (this.stopping || this.spare !== undefined || this.freeLedgers.length === 0) return;
    const spare = this.newWorker(undefined);
    this.spare = spare;
    spare.on('error', (error) => this.log.error({ event: 'spare_thread_error', err: error }));
    const ready = (message: ThreadToMain): void => {
      if (message.kind !== 'spare_ready') return;
      spare.off('message', ready);
      this.log.info({ event: 'spare_ready' });
    };
    spare.on('message', ready);
    spare.on('exit', () => {
      if (this.spare === spare) this.spare = undefined;
    });
  }

  /** The spare becomes thread `thread` (cold start if there is none); a new spare follows. */
  private replace(thread: number): Promise<number> {
    const spare = this.spare;
    this.spare = undefined;
    const started = spare === undefined ? this.spawn(thread) : this.attach(thread, spare);
    if (spare !== undefined) this.send(spare, { kind: 'activate', thread });
    this.startSpare();
    return started;
  }

  /** `worker` serves as thread `thread`: resolves with its port once it listens. */
  private attach(thread: number, worker: Worker): Promise<number> {
    const slot = this.slots[thread];
    slot.worker = worker;
    slot.state = 'starting';
    return new Promise<number>((resolve, reject) => {
      worker.on('message', (message: ThreadToMain) => {
        if (message.kind === 'listening') {
          slot.state = 'running';
          resolve(message.port);
          return;
        }
        if (message.kind === 'config_error') {
          reject(new ThreadStartupConfigError(message.error));
          return;
        }
        this.onMessage(thread, worker, message);
      });
      worker.on('error', (error) => {
        if (slot.state === 'starting') reject(error);
        this.log.error({ event: 'thread_error', thread, err: error });
      });
      worker.on('exit', (code) => {
        if (slot.state === 'starting') reject(new Error(`I/O thread ${thread} exited (${code}) before listening`));
        this.onExit(thread, worker, code);
      });
    });
  }

  private onMessage(thread: number, worker: Worker, message: ThreadToMain): void {
    switch (message.kind) {
      case 'collect':
        void this.collect(message.what, message.args).then((data) => this.send(worker, { kind: 'collected', id: message.id, what: message.what, data }));
        return;
      case 'report':
        this.answered(thread, worker, message.id, message.data);
        return;
      case 'claims_flushed':
        this.answered(thread, worker, message.id, 'flushed');
        return;
      case 'claims':
        this.slots.forEach((slot, other) => {
          if (other !== thread && slot.state === 'running' && slot.worker !== undefined) this.send(slot.worker, message);
        });
        return;
      case 'cursor':
        this.relayCursor(worker, message);
        return;
      case 'cursor_answer': {
        const reader = this.bySerial.get(message.reader);
        if (reader !== undefined) this.send(reader, { kind: 'cursor_answer', id: message.id, answer: message.answer });
        return;
      }
      case 'failed':
        // Replaced now; the failed thread closes its sockets and exits on its own (its exit is then ignored).
        this.replaceFailed(thread, worker, { connections: message.connections, clients: message.clients }, 'failed');
        return;
      case 'listening':
      case 'spare_ready':
      case 'config_error':
      case 'stopped':
        return;
    }
  }

  /** A /status reader's cursor operation, to the thread that holds those clients; answered 'none' at once if that thread is not running. */
  private relayCursor(from: Worker, message: Extract<ThreadToMain, { kind: 'cursor' }>): void {
    const reader = this.serials.get(from);
    const slot = this.slots[message.thread];
    if (reader === undefined) return;
    if (slot === undefined || slot.state !== 'running' || slot.worker === undefined) {
      if (message.op.op !== 'close') this.send(from, { kind: 'cursor_answer', id: message.id, answer: undefined });
      return;
    }
    this.send(slot.worker, { kind: 'cursor', id: message.id, cursor: message.cursor, reader, op: message.op });
  }

  /** A thread that ends outside shutdown without saying it failed (it could not) is counted and replaced. */
  private onExit(thread: number, worker: Worker, code: number): void {
    const slot = this.slots[thread];
    if (slot.worker !== worker) return;
    if (this.stopping || slot.state === 'stopping') {
      slot.worker = undefined;
      return;
    }
    this.replaceFailed(thread, worker, { connections: 0, clients: 0 }, `exit ${code}`);
  }

  /** Counts the failed thread's losses and puts another thread in its place at once, on the same port. */
  private replaceFailed(thread: number, worker: Worker, lost: { connections: number; clients: number }, why: string): void {
    const slot = this.slots[thread];
    if (slot.worker !== worker || this.stopping || slot.state === 'stopping') return;
    slot.worker = undefined;
    this.metrics.threadFailed(lost.connections, lost.clients);
    this.log.error({ event: 'thread_replaced', thread, why, ...lost });
    this.restart(thread, () => this.replace(thread));
  }

  private restart(thread: number, start: () => Promise<number>): void {
    if (this.stopping) return;
    start().then(
      () => this.log.info({ event: 'thread_started', thread, port: this.port }),
      (error: unknown) => {
        this.log.error({ event: 'thread_start_failed', thread, err: error });
        setTimeout(() => this.restart(thread, () => this.spawn(thread)), RETRY_START_MS).unref();
      },
    );
  }

  /** Asks every running thread for its figures (at most COLLECT_TIMEOUT_MS) and combines them. */
  private async collect(what: CollectKind, args: CollectArgs = {}): Promise<Collected[CollectKind]> {
    if (what === 'claims') {
      await this.flushClaims();
      return null;
    }
    const answers = await this.gather(what, args);
    switch (what) {
      case 'health':
        return combineHealth(answers as ThreadAnswer<ThreadReports['health']>[], this.uws);
      case 'metrics':
        return combineMetrics(reportsOf(answers as ThreadAnswer<ThreadReports['metrics']>[]), await this.metrics.registry.getMetricsAsJSON());
      case 'clients':
        return mergeClientPages(reportsOf(answers as ThreadAnswer<ThreadReports['clients']>[]), args.query ?? DEFAULT_CLIENT_QUERY, performance.timeOrigin + performance.now());
      case 'kick':
        return combineKick(reportsOf(answers as ThreadAnswer<ThreadReports['kick']>[]));
    }
  }

  /**
   * The dashboard stream's second: every running thread rolls its figures
   * (LiveFeed.report), and the merge goes back to every thread for its
   * pages. A thread that does not answer in time is left out of that
   * second (io_threads_reporting says so); its counts roll into its next.
   */
  private liveSecond(): void {
    if (this.liveBusy || this.stopping) return;
    this.liveBusy = true;
    this.gather('live', { watched: this.watched })
      .then((answers) => {
        const reports = reportsOf(answers as ThreadAnswer<ThreadReports['live']>[]);
        this.watched = reports.some((r) => r.watchers > 0);
        if (reports.length === 0 || this.stopping) return;
        const message = mergeLiveReports(reports, this.slots.length);
        for (const slot of this.slots) if (slot.state === 'running' && slot.worker !== undefined) this.send(slot.worker, { kind: 'live', message });
      })
      .catch((error: unknown) => this.log.error({ event: 'dashboard_second_failed', err: error }))
      .finally(() => {
        this.liveBusy = false;
      });
  }

  /**
   * Every running thread's report. First every thread sends the claims it
   * has not sent yet (a registration answered a moment ago may still sit in
   * its batch: the client has its ka_register_ok, the sibling still holds
   * the client), and the supervisor relays them as they come; only then are
   * the reports asked, after those claims on each thread's port (messages
   * on one port arrive in order). So a collection sees every move a
   * registration made before it was asked: without this step a /healthz
   * right after a move counted the client, and its old connection, on both
   * threads (1 move in ~30 on a fresh gateway at load 3). A /status reader
   * takes the first step alone ('claims') before it opens its cursors.
   *
   * Each step waits at most COLLECT_TIMEOUT_MS; a thread that does not
   * answer the first is not asked the second (reported unresponsive). So a
   * stalled thread holds a collection about COLLECT_TIMEOUT_MS, twice that
   * only if it stalls right between the two steps.
   */
  private async gather(what: ReportKind, args: CollectArgs): Promise<ThreadAnswer<ThreadReports[ReportKind]>[]> {
    const flushed = await this.flushClaims();
    const answers = await this.ask(flushed, (id) => ({ kind: 'report', id, what, args }));
    return this.slots.map((slot, thread) => {
      const report = answers.get(thread);
      if (report !== undefined && report !== 'flushed') return { thread, report };
      return { thread, missing: slot.state === 'running' ? 'unresponsive' : 'restarting' };
    });
  }

  /** Every running thread sends the registrations it has not sent yet (relayed as they come); resolves with the threads that answered. */
  private async flushClaims(): Promise<number[]> {
    return [...(await this.ask(this.runningThreads(), (id) => ({ kind: 'flush_claims', id }))).keys()];
  }

  private runningThreads(): number[] {
    const running: number[] = [];
    this.slots.forEach((slot, thread) => {
      if (slot.state === 'running' && slot.worker !== undefined) running.push(thread);
    });
    return running;
  }

  /** Sends `message(id)` to each of `threads` still running; resolves with their answers once all have answered, or after COLLECT_TIMEOUT_MS. */
  private ask(threads: readonly number[], message: (id: number) => MainToThread): Promise<Ask['answers']> {
    const id = this.nextAsk++;
    const answers: Ask['answers'] = new Map();
    return new Promise((resolve) => {
      const expected: number[] = [];
      const finish = (): void => {
        clearTimeout(timer);
        this.asks.delete(id);
        resolve(answers);
      };
      const timer = setTimeout(finish, COLLECT_TIMEOUT_MS);
      this.asks.set(id, {
        answers,
        done: () => {
          if (expected.every((t) => answers.has(t))) finish();
        },
      });
      for (const thread of threads) {
        const slot = this.slots[thread];
        if (slot.state !== 'running' || slot.worker === undefined) continue;
        expected.push(thread);
        this.send(slot.worker, message(id));
      }
      if (expected.length === 0) finish();
    });
  }

  /** Thread `thread`'s answer to ask `id`; a failed thread's late answer is not its replacement's. */
  private answered(thread: number, worker: Worker, id: number, answer: ThreadReports[ReportKind] | 'flushed'): void {
    const ask = this.asks.get(id);
    if (ask === undefined || this.slots[thread].worker !== worker) return;
    ask.answers.set(thread, answer);
    ask.done();
  }

  private send(worker: Worker, message: MainToThread): void {
    worker.postMessage(message);
  }
}

function reportsOf<T>(answers: readonly ThreadAnswer<T>[]): T[] {
  const out: T[] = [];
  for (const a of answers) if ('report' in a) out.push(a.report);
  return out;
}
