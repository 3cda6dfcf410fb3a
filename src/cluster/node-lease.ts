import type { Logger } from '../transports/gateway/logger.js';
import type { ClusterMetrics } from './cluster-metrics.js';
import { NODE_KEYS } from './key-layout.js';
import type { RedisClient } from './redis-connection.js';

export interface LeaseEvents {
  /** Redis says this incarnation was fenced (its lease had lapsed and a survivor reaped it). */
  fenced(incarnation: string): void;
  /** "node_id address clients", stored with the lease for GET /cluster. */
  info(): string;
}

/**
 * Renews this gateway's lease every renewMs (one script, Redis clock). One
 * renewal in flight at a time: a stalled Redis gets no pile of them.
 *
 * Not renewing in time does not by itself close anything: the gateway cannot
 * tell a stalled Redis (where nobody reaps, see CLAIM_DEAD) from its own
 * isolation. It reports itself isolated (log, metric) and keeps serving; the
 * first renewal that reaches Redis says whether it was fenced meanwhile, and
 * only then are its clients closed (4005). See README "Failure bounds".
 */
export class NodeLease {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  /** performance.now() of the latest successful renewal. */
  lastRenewed = performance.now();
  private isolatedLogged = false;

  constructor(
    private readonly redis: RedisClient,
    public incarnation: string,
    private readonly leaseMs: number,
    private readonly renewMs: number,
    private readonly metrics: ClusterMetrics,
    private readonly log: Logger,
    private readonly events: LeaseEvents,
  ) {}

  /** First renewal (awaited: a gateway announces itself before serving), then every renewMs. */
  async start(): Promise<void> {
    await this.renew();
    this.timer = setInterval(() => void this.renew(), this.renewMs);
  }

  get isolated(): boolean {
    return performance.now() - this.lastRenewed > this.leaseMs;
  }

  /**
   * A gap between any two renewals (of any node) longer than this is a
   * Redis stall. lease - 2 renewals: a stall shorter than that cannot lapse
   * a lease renewed on time (even one renewal late), so it needs no pause of
   * reaping; a longer one can, and is caught. (lease/2 was too eager: a
   * loaded machine's late renewals kept reaping paused.)
   */
  private get stallMs(): number {
    return Math.max(this.renewMs, this.leaseMs - 2 * this.renewMs);
  }

  async renew(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    const incarnation = this.incarnation;
    const started = performance.now();
    try {
      const [now] = await this.redis.kwRenewLease(
        NODE_KEYS.leases, NODE_KEYS.info, NODE_KEYS.fenced, NODE_KEYS.clock,
        incarnation, this.leaseMs, this.events.info(), this.stallMs,
      );
      if (incarnation !== this.incarnation) return;
      if (Number(now) === -1) {
        this.events.fenced(incarnation);
        return;
      }
      this.metrics.redisRtt.observe((performance.now() - started) / 1000);
      if (this.isolatedLogged) this.log.warn({ event: 'cluster_lease_renewed', incarnation, afterMs: Math.round(started - this.lastRenewed) });
      this.isolatedLogged = false;
      this.lastRenewed = performance.now();
    } catch (error) {
      this.metrics.redisErrors.inc();
      if (this.isolated && !this.isolatedLogged) {
        this.isolatedLogged = true;
        this.log.warn({ event: 'cluster_isolated', incarnation, sinceMs: Math.round(performance.now() - this.lastRenewed), err: (error as Error).message });
      }
    } finally {
      this.busy = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
