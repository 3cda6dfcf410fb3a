import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../transports/gateway/logger.js';
import type { ClusterMetrics } from '../cluster-metrics.js';
import type { FromRenewer, LeaseSetup, ToRenewer } from './lease-messages.js';

export interface LeaseThreadEvents {
  /** Redis says this incarnation was fenced (its lease had lapsed and a survivor reaped it). */
  fenced(incarnation: string): void;
  /** "node_id address clients", stored with the lease for GET /cluster. */
  info(): string;
}

/** What the thread needs beyond the incarnation and the info (both change while it runs). */
export type LeaseThreadOptions = Omit<LeaseSetup, 'incarnation' | 'info'>;

/** The compiled CommonJS entry (lease-renewer-entry.cts) beside this module. */
function renewerEntry(): string {
  const file = fileURLToPath(new URL('./lease-renewer-entry.cjs', import.meta.url));
  if (!existsSync(file)) throw new Error(`lease thread entry not found at ${file}: run 'npm run build'`);
  return file;
}

/**
 * The main thread's side of the lease: starts the lease thread
 * (lease-renewer.ts), tells it every renewMs that the main loop is alive
 * (with the lease info), and turns its reports into the log lines and
 * metrics of the cluster. A thread that exits unexpectedly is restarted
 * at once: the lease has only what is left of it since the last renewal,
 * and a new thread needs a few hundred ms (load ioredis, connect) before
 * it renews. Only a thread that fails again within a lease of its restart
 * waits renewMs first, so a thread that cannot start does not spin. The
 * worker is unref'd (it never keeps the process up).
 */
export class LeaseThread {
  private worker: Worker | undefined;
  private aliveTimer: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private current: string;
  /** performance.now() of the latest renewal reported. */
  private lastRenewed = performance.now();
  private isolatedLogged = false;
  /** performance.now() when a thread failed, until a restarted one renews (its log line says how long that took). */
  private failedAt: number | undefined;
  /** performance.now() of the latest restart: a failure within a lease of it waits renewMs before the next. */
  private restartedAt: number | undefined;

  constructor(
    private readonly options: LeaseThreadOptions,
    incarnation: string,
    private readonly metrics: ClusterMetrics,
    private readonly log: Logger,
    private readonly events: LeaseThreadEvents,
  ) {
    this.current = incarnation;
  }

  /**
   * Starts the thread; resolves on its first renewal, fence or failure (a
   * gateway announces itself before serving), rejects if it exits before.
   */
  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.spawn({ resolve, reject }));
    this.aliveTimer = setInterval(() => this.post({ kind: 'alive', info: this.events.info() }), this.options.renewMs);
  }

  get incarnation(): string {
    return this.current;
  }

  /** A fresh incarnation (after a fence): the thread renews under it at once. */
  set incarnation(fresh: string) {
    this.current = fresh;
    this.post({ kind: 'incarnation', incarnation: fresh });
  }

  get isolated(): boolean {
    return performance.now() - this.lastRenewed > this.options.leaseMs;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.aliveTimer);
    clearTimeout(this.restartTimer);
    await this.worker?.terminate();
    this.worker = undefined;
  }

  /** Test hook (GET /test/lease-thread-fail): the thread throws, so its restart can be shown from outside. */
  failForTest(): void {
    this.post({ kind: 'fail' });
  }

  private post(message: ToRenewer): void {
    this.worker?.postMessage(message);
  }

  private spawn(starting?: { resolve(): void; reject(error: Error): void }): void {
    const setup: LeaseSetup = { ...this.options, incarnation: this.current, info: this.events.info() };
    const worker = new Worker(renewerEntry(), { workerData: setup });
    worker.unref();
    this.worker = worker;
    let failure: Error | undefined;
    /** Until the first report that is not 'withheld'; a thread failing before it fails the start (no restart). */
    let waiting = starting;
    worker.on('message', (report: FromRenewer) => {
      this.onReport(report);
      if (report.kind === 'withheld') return;
      waiting?.resolve();
      waiting = undefined;
    });
    worker.on('error', (error) => {
      failure = error;
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      if (this.stopping) return;
      const err = failure?.message ?? `exited with code ${code}`;
      if (waiting !== undefined) {
        waiting.reject(new Error(`lease thread: ${err}`));
        return;
      }
      const now = performance.now();
      const again = this.restartedAt !== undefined && now - this.restartedAt < this.options.leaseMs;
      const restartInMs = again ? this.options.renewMs : 0;
      this.log.error({ event: 'cluster_lease_thread_failed', incarnation: this.current, err, restartInMs });
      this.failedAt ??= now;
      this.restartTimer = setTimeout(() => {
        this.restartedAt = performance.now();
        this.spawn();
      }, restartInMs);
    });
  }

  private onReport(report: FromRenewer): void {
    switch (report.kind) {
      case 'renewed':
        if (report.incarnation !== this.current) return;
        this.metrics.redisRtt.observe(report.rttMs / 1000);
        if (this.isolatedLogged) this.log.warn({ event: 'cluster_lease_renewed', incarnation: this.current, afterMs: Math.round(performance.now() - this.lastRenewed) });
        this.isolatedLogged = false;
        this.lastRenewed = performance.now();
        if (this.failedAt !== undefined) {
          this.log.warn({ event: 'cluster_lease_thread_restarted', incarnation: this.current, afterMs: Math.round(this.lastRenewed - this.failedAt) });
          this.failedAt = undefined;
        }
        return;
      case 'fenced':
        this.events.fenced(report.incarnation);
        return;
      case 'failed':
        this.metrics.redisErrors.inc();
        if (this.isolated && !this.isolatedLogged) {
          this.isolatedLogged = true;
          this.log.warn({ event: 'cluster_isolated', incarnation: this.current, sinceMs: Math.round(performance.now() - this.lastRenewed), err: report.message });
        }
        return;
      case 'withheld':
        this.log.warn({ event: 'cluster_lease_withheld', incarnation: this.current, loopSilentMs: report.silentMs, maxLoopSilenceMs: this.options.maxLoopSilenceMs });
    }
  }
}
