import { NODE_KEYS } from '../key-layout.js';
import type { RedisClient } from '../redis-connection.js';

/** What the renewer knows of the gateway's main event loop. */
export interface LoopSigns {
  /** "node_id address clients", stored with the lease for GET /cluster (as of the loop's latest word). */
  info(): string;
  /** How long since the main loop was last heard from. */
  silentMs(): number;
}

/** What a renewal attempt came to; the main thread logs and counts these. */
export interface LeaseReports {
  renewed(incarnation: string, rttMs: number): void;
  /** Redis says this incarnation was fenced (its lease had lapsed and a survivor reaped it). */
  fenced(incarnation: string): void;
  failed(message: string): void;
  /** Renewal withheld: the main loop has been silent this long (reported once per silence). */
  withheld(silentMs: number): void;
}

/**
 * Renews this gateway's lease every renewMs (one script, Redis clock). Runs
 * in the lease thread (lease-renewer.ts), so a main loop busy for seconds
 * (a registration storm on a starved machine) does not lapse the lease.
 * One renewal in flight at a time: a stalled Redis gets no pile of them.
 *
 * A main loop silent for longer than maxLoopSilenceMs is hung, not busy:
 * renewals are withheld, the lease lapses a lease later, and the survivors
 * reap it (a hung gateway is reaped within maxLoopSilenceMs + lease). The
 * first word from the loop after that renews at once, which tells it
 * whether it was fenced meanwhile.
 *
 * Not renewing in time does not by itself close anything: the gateway cannot
 * tell a stalled Redis (where nobody reaps, see CLAIM_DEAD) from its own
 * isolation. The first renewal that reaches Redis says whether it was fenced
 * meanwhile, and only then are its clients closed (4005). See README
 * "Failure bounds".
 */
export class NodeLease {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  /** A renewal was asked for while one was in flight: it follows at once. */
  private again = false;
  /** Reported fenced: not renewed again until a new incarnation is set. */
  private fencedIncarnation: string | undefined;
  private withholding = false;

  constructor(
    private readonly redis: RedisClient,
    public incarnation: string,
    private readonly leaseMs: number,
    private readonly renewMs: number,
    private readonly maxLoopSilenceMs: number,
    private readonly loop: LoopSigns,
    private readonly reports: LeaseReports,
  ) {}

  /** First renewal now, then every renewMs. */
  start(): void {
    void this.renew();
    this.timer = setInterval(() => void this.renew(), this.renewMs);
  }

  /** True while renewals are withheld for a silent main loop. */
  get withheld(): boolean {
    return this.withholding;
  }

  /** Renews now, or right after the renewal in flight (a new incarnation, a loop heard again). */
  renewSoon(): void {
    if (this.busy) this.again = true;
    else void this.renew();
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

  private async renew(): Promise<void> {
    if (this.busy || this.loopHung()) return;
    const incarnation = this.incarnation;
    if (incarnation === this.fencedIncarnation) return;
    this.busy = true;
    const started = performance.now();
    try {
      const [now] = await this.redis.kwRenewLease(
        NODE_KEYS.leases, NODE_KEYS.info, NODE_KEYS.fenced, NODE_KEYS.clock,
        incarnation, this.leaseMs, this.loop.info(), this.stallMs,
      );
      if (incarnation !== this.incarnation) return;
      if (Number(now) === -1) {
        this.fencedIncarnation = incarnation;
        this.reports.fenced(incarnation);
        return;
      }
      this.reports.renewed(incarnation, performance.now() - started);
    } catch (error) {
      this.reports.failed((error as Error).message);
    } finally {
      this.busy = false;
      if (this.again) {
        this.again = false;
        void this.renew();
      }
    }
  }

  /** Is the main loop silent past the bound? Reports the start of each silence once. */
  private loopHung(): boolean {
    const silentMs = this.loop.silentMs();
    const hung = silentMs > this.maxLoopSilenceMs;
    if (hung && !this.withholding) this.reports.withheld(Math.round(silentMs));
    this.withholding = hung;
    return hung;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
