import { collectDefaultMetrics, Counter, Registry } from 'prom-client';

/**
 * The supervisor's own series, merged into every /metrics scrape: Node's
 * process metrics (CPU, memory, file descriptors: process-wide, so counted
 * here once and not per thread) and what failed threads took with them
 * (their own registries died with them).
 */
export class SupervisorMetrics {
  readonly registry = new Registry();
  private readonly failures: Counter<never>;
  private readonly closes: Counter<'reason'>;
  private readonly removals: Counter<'reason'>;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.failures = new Counter({
      name: 'keepwatch_thread_failures_total',
      help: 'I/O threads that failed (an unexpected error) and were replaced.',
      registers,
    });
    // Same names and help as the threads' series (metrics.ts): the scrape sums them by label.
    this.closes = new Counter({ name: 'keepwatch_connection_closes_total', help: 'Connections closed, by reason.', labelNames: ['reason'], registers });
    this.removals = new Counter({
      name: 'keepwatch_client_removals_total',
      help: 'Clients removed without expiring, by reason (connection_closed: its connection closed).',
      labelNames: ['reason'],
      registers,
    });
  }

  threadFailed(connections: number, clients: number): void {
    this.failures.inc();
    if (connections > 0) this.closes.inc({ reason: 'thread_failed' }, connections);
    if (clients > 0) this.removals.inc({ reason: 'thread_failed' }, clients);
  }
}
