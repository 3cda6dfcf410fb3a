import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const RTT_BUCKETS_S = [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const REAP_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30];

/** The cluster series, on the gateway's own prom-client registry (only when --redis is given). */
export class ClusterMetrics {
  readonly takeovers: Counter<'side'>;
  readonly missedMoves: Counter<never>;
  readonly fencedWrites: Counter<never>;
  readonly fences: Counter<never>;
  readonly reaped: Counter<never>;
  readonly redisErrors: Counter<never>;
  readonly redisRtt: Histogram;
  readonly reapDelay: Histogram;

  constructor(registry: Registry, sources: { queuedOps(): number; isolated(): boolean }) {
    const registers = [registry];
    this.takeovers = new Counter({
      name: 'keepwatch_cluster_takeovers_total',
      help: 'client_ids moved between gateways: won (registered here, taken from another) or lost (taken by another, socket closed here).',
      labelNames: ['side'],
      registers,
    });
    this.missedMoves = new Counter({
      name: 'keepwatch_cluster_missed_move_notices_total',
      help: "Takeovers whose notice never arrived: sockets closed (4001 / ka_moved) because the seen flush found another owner in Redis.",
      registers,
    });
    this.fencedWrites = new Counter({
      name: 'keepwatch_cluster_fenced_writes_total',
      help: 'Batches Redis refused because this incarnation was fenced.',
      registers,
    });
    this.fences = new Counter({
      name: 'keepwatch_cluster_fenced_total',
      help: 'Times this gateway learnt it was fenced (closed its clients with 4005 and rejoined under a new incarnation).',
      registers,
    });
    this.reaped = new Counter({
      name: 'keepwatch_cluster_reaped_clients_total',
      help: "Clients of dead gateways this gateway declared gone.",
      registers,
    });
    this.redisErrors = new Counter({ name: 'keepwatch_cluster_redis_errors_total', help: 'Failed Redis calls (retried).', registers });
    this.redisRtt = new Histogram({
      name: 'keepwatch_cluster_redis_rtt_seconds',
      help: 'Round-trip time of the lease renewal script.',
      buckets: RTT_BUCKETS_S,
      registers,
    });
    this.reapDelay = new Histogram({
      name: 'keepwatch_cluster_node_reap_delay_seconds',
      help: "From a dead gateway's lease lapsing to the last of its clients declared gone (by this gateway).",
      buckets: REAP_BUCKETS_S,
      registers,
    });
    new Gauge({
      name: 'keepwatch_cluster_queued_ops',
      help: 'Claims, releases and expiries waiting for Redis.',
      registers,
      collect() {
        this.set(sources.queuedOps());
      },
    });
    new Gauge({
      name: 'keepwatch_cluster_isolated',
      help: '1 while this gateway has not renewed its lease for longer than the lease.',
      registers,
      collect() {
        this.set(sources.isolated() ? 1 : 0);
      },
    });
  }
}
