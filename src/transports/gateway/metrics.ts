import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { BucketHistogram } from './bucket-histogram.js';

/** Live figures the metrics read at scrape time rather than count per message. */
export interface MetricSources {
  connections(): number;
  clients(): number;
  pingedClients(): number;
  heartbeats(): number;
  queuedOutputBytes(): number;
}

const DELAY_BUCKETS_S = [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** Round trips: loopback (sub-ms) to a slow mobile link (seconds). */
export const RTT_BUCKETS_S = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const SWEEP_BUCKETS_S = [0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

/**
 * The gateway's Prometheus metrics (prom-client, own registry, plus Node's
 * default process metrics, which include event-loop delay as
 * nodejs_eventloop_lag_*). Per-message figures (heartbeats) and per-close
 * ones (expiries, connection closes: a burst of expiries closes hundreds of
 * connections back to back) are plain numbers read at scrape time, so
 * those paths do no label lookups.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  /** Expiries per action (closed, notified), read at scrape time. */
  private readonly expiryCounts = new Map<string, number>();
  /** Per close reason (a fixed set: close-codes.ts), read at scrape time. */
  private readonly closeCounts = new Map<string, number>();
  private readonly removals: Counter<'reason'>;
  private readonly pings: Counter<'kind'>;
  private readonly moves: Counter<never>;
  private readonly errors: Counter<'code'>;
  private readonly refusals: Counter<'reason'>;
  private readonly detectionDelay: BucketHistogram;
  private readonly sweepLatency: Histogram<'event'>;
  private readonly expiryDeferral: Histogram;
  /** One child per label value, looked up once: no label hashing per answer. */
  private readonly rtt: Record<'message' | 'frame', { observe(value: number): void }>;

  /** processMetrics false: an I/O thread, whose process-wide figures (CPU, RSS) the supervisor reports once. */
  constructor(sources: MetricSources, { processMetrics = true }: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (processMetrics) collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'keepwatch_connections',
      help: 'Open WebSocket connections.',
      registers,
      collect() {
        this.set(sources.connections());
      },
    });
    new Gauge({
      name: 'keepwatch_clients',
      help: 'Live clients by state: active (heard from within ping_interval_ms), pinged (pinged, no answer yet).',
      labelNames: ['state'],
      registers,
      collect() {
        const pinged = sources.pingedClients();
        this.set({ state: 'active' }, sources.clients() - pinged);
        this.set({ state: 'pinged' }, pinged);
      },
    });
    new Counter({
      name: 'keepwatch_heartbeats_total',
      help: 'Client refreshes: ka_heartbeat, ka_pong, and any frame or pong of a client alone on its connection.',
      registers,
      collect() {
        this.reset();
        this.inc(sources.heartbeats());
      },
    });
    new Gauge({
      name: 'keepwatch_queued_output_bytes',
      help: 'Bytes queued in the gateway for peers that do not read fast enough, all connections together (bounded by --max-output-bytes).',
      registers,
      collect() {
        this.set(sources.queuedOutputBytes());
      },
    });
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> =>
      new Counter<L>({ name, help, labelNames, registers });
    scrapedCounter(
      'keepwatch_expiries_total',
      'Clients expired (silent for more than timeout_ms): closed (alone on the connection, code 4000) or notified (ka_expired on a multiplexed connection).',
      'action',
      this.expiryCounts,
      registers,
    );
    scrapedCounter('keepwatch_connection_closes_total', 'Connections closed, by reason.', 'reason', this.closeCounts, registers);
    this.removals = counter(
      'keepwatch_client_removals_total',
      'Clients removed without expiring, by reason (connection_closed: its connection closed).',
      ['reason'],
    );
    this.pings = counter(
      'keepwatch_pings_sent_total',
      'Pings sent: message (ka_ping) and frame (WebSocket ping, to a client alone on its connection).',
      ['kind'],
    );
    this.moves = counter('keepwatch_client_moves_total', 'client_ids registered again from another connection (moved to it).', []);
    this.errors = counter('keepwatch_protocol_errors_total', 'Error replies sent, by protocol error code.', ['code']);
    this.refusals = counter(
      'keepwatch_overload_refusals_total',
      'Work shed under overload, by reason: status_busy (/status over --max-status-requests, 503), reply_too_large (a ka_status over the send-buffer bound, error 40).',
      ['reason'],
    );
    // Observed once per expired client: a histogram without per-observation allocation (bucket-histogram.ts).
    this.detectionDelay = new BucketHistogram(
      'keepwatch_detection_delay_seconds',
      'Expiry time minus deadline (last activity + timeout_ms): how late after its deadline a client was expired.',
      DELAY_BUCKETS_S,
      this.registry,
    );
    this.sweepLatency = new Histogram({
      name: 'keepwatch_sweep_latency_seconds',
      help: "Main-thread time to act on one sweep's findings (event: expired = closing/notifying, ping = scheduling pings).",
      labelNames: ['event'],
      buckets: SWEEP_BUCKETS_S,
      registers,
    });
    this.expiryDeferral = new Histogram({
      name: 'keepwatch_expiry_deferral_seconds',
      help: 'At each timer sweep, how far the read horizon lagged the clock (clock - horizon): expiries wait until the sockets have been read, so a busy loop defers them by about its longest handler.',
      buckets: DELAY_BUCKETS_S,
      registers,
    });
    const rtt = new Histogram<'via'>({
      name: 'keepwatch_rtt_seconds',
      help: 'Round trips of pings (ping sent to its echo read): via message = a ka_pong or ka_heartbeat echoing the ka_ping seq (the application answered); via frame = the pong frame echoing a ping frame (--ping ws: the WebSocket stack answered).',
      labelNames: ['via'],
      buckets: RTT_BUCKETS_S,
      registers,
    });
    // Zeroed: both series are in every scrape from the start (a board can query them before any ping).
    rtt.zero({ via: 'message' });
    rtt.zero({ via: 'frame' });
    this.rtt = { message: rtt.labels({ via: 'message' }), frame: rtt.labels({ via: 'frame' }) };
  }

  expiryDeferred(lagMs: number): void {
    this.expiryDeferral.observe(lagMs / 1000);
  }

  roundTrip(via: 'message' | 'frame', ms: number): void {
    this.rtt[via].observe(ms / 1000);
  }

  expired(action: 'closed' | 'notified', delayMs: number): void {
    countOne(this.expiryCounts, action);
    this.detectionDelay.observe(delayMs / 1000);
  }

  closed(reason: string): void {
    countOne(this.closeCounts, reason);
  }

  removed(reason: string, count: number): void {
    if (count > 0) this.removals.inc({ reason }, count);
  }

  pinged(kind: 'message' | 'frame', count: number): void {
    if (count > 0) this.pings.inc({ kind }, count);
  }

  refused(reason: string): void {
    this.refusals.inc({ reason });
  }

  moved(): void {
    this.moves.inc();
  }

  protocolError(code: number): void {
    this.errors.inc({ code: String(code) });
  }

  sweepHandled(event: 'expired' | 'ping', seconds: number): void {
    this.sweepLatency.observe({ event }, seconds);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/**
 * A counter by one label whose counts the gateway keeps as plain numbers
 * (`counts`, label value -> count) and prom-client reads at scrape time:
 * the events it counts do no label hashing (a burst of expiries closes
 * hundreds of connections back to back).
 */
function scrapedCounter(name: string, help: string, label: string, counts: ReadonlyMap<string, number>, registers: Registry[]): void {
  new Counter({
    name,
    help,
    labelNames: [label],
    registers,
    collect() {
      this.reset();
      for (const [value, n] of counts) this.inc({ [label]: value }, n);
    },
  });
}

function countOne(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
