/**
 * What the dashboard's server sends its page (JSON, snake_case like the
 * protocol). Types only: both the gateway and the page's own build compile
 * this file, so the two cannot drift apart.
 */

/** One entry of the live feed. */
export interface FeedEvent {
  /** expired: silent past its deadline; moved: registered from another connection; closed: a connection closed (a reap is reason no_client_registered). */
  kind: 'expired' | 'moved' | 'closed';
  /** Wall-clock ms (Date.now()) when the gateway saw it. */
  at: number;
  /** The client (expired, moved); absent for a connection close. */
  clientId?: string;
  connection?: number;
  /** expired: closed | notified; closed: the close reason (as in keepwatch_connection_closes_total). */
  reason: string;
  /** expired: ms after its deadline. */
  delayMs?: number;
}

export interface TickDelays {
  count: number;
  /** Percentiles of the tick's delays in ms; null when nothing expired. 1000 means "1000 or more". */
  p50: number | null;
  p99: number | null;
  max: number | null;
}

/** One second of the gateway (with --threads N, every thread's second merged). Rates are per second over the tick. */
export interface Tick {
  /** Wall-clock ms at the end of the tick. */
  t: number;
  connections: number;
  clients: number;
  pinged: number;
  /** Monitor worker threads (--workers; 0: the monitor runs on the I/O thread). */
  threads: number;
  /** I/O threads (--threads N). */
  io_threads: number;
  /** With more than one I/O thread: how many answered for this tick (every thread's figures are summed; fewer: one stalled or is being replaced, its part is missing). */
  io_threads_reporting?: number;
  heartbeats_per_s: number;
  pings_per_s: number;
  expiries_per_s: { closed: number; notified: number };
  closes_per_s: Record<string, number>;
  moves_per_s: number;
  /** Event-loop delay over the tick (ms); null when nobody watches (the sampler is off then). */
  loop_lag_ms: { mean: number; max: number } | null;
  detection_ms: TickDelays;
  /** The tick's round trips of pings (ms) and how many were measured; null when none was. */
  rtt_ms: { p50: number; p99: number; count: number } | null;
  /** A uniform sample of the tick's events, and how many there were. */
  feed: FeedEvent[];
  feed_seen: number;
}

/** The detection panel: counts since start per bucket (le: exclusive upper bound in ms; null = open). */
export interface DetectionPanel {
  buckets: { le: number | null; count: number }[];
  /** Expiries before their deadline: the product promises zero. */
  negative: number;
}

/** One row of the client table and of "about to expire". */
export interface ClientRow {
  client_id: string;
  last_seen_ms_ago: number;
  timeout_ms: number;
  ping_interval_ms: number;
  /** ms until its deadline (negative: past it, expiring now). */
  deadline_in_ms: number;
  connection: number;
  pinged: boolean;
  /** Its latest and smoothed round trip (ms); null until one of its pings was answered with its seq. */
  rtt_ms: number | null;
  srtt_ms: number | null;
  /** The I/O thread that owns it (--threads N, N >= 2). */
  thread?: number;
  node?: string;
}

/** POST /dashboard/api/kick's answer. */
export interface KickResult {
  kicked: string;
  connection: number;
  clients_closed: number;
  thread?: number;
}

export interface ClientPage {
  /** Clients held in all. */
  total: number;
  /** Clients matching the prefix. */
  matched: number;
  offset: number;
  rows: ClientRow[];
}

/** The stream's first message. */
export interface HelloMessage {
  /** The gateway is a cluster member (--redis): the page shows the nodes (GET /cluster, every few seconds). */
  clustered: boolean;
  history: Tick[];
  feed: FeedEvent[];
  detection: DetectionPanel;
  expiring: ClientRow[];
}

/** Every later message, once a second. */
export interface TickMessage {
  tick: Tick;
  detection: DetectionPanel;
  expiring: ClientRow[];
}

/** One gateway of the cluster, as GET /cluster lists it (src/cluster/cluster-views.ts reads it from Redis). */
export interface NodeView {
  node_id: string;
  incarnation: string;
  address: string;
  /** Clients it reported at its latest renewal. */
  clients: number;
  /** Since its latest renewal (Redis clock). */
  lease_age_ms: number;
  /** Negative once lapsed (it is then reaped within one reap check). */
  lease_expires_in_ms: number;
}

/** GET /cluster's body, but for `self`. */
export interface ClusterView {
  now_ms: number;
  /** When Redis was last seen to stall (reaping waits a lease after it), or null. */
  stall_end_ms: number | null;
  nodes: NodeView[];
  /** Fenced incarnations whose clients are being declared gone. */
  reaping: string[];
}

/** GET /cluster (admin): the fleet's nodes; `self` is the incarnation of the gateway (its I/O thread) that answered. */
export interface ClusterAnswer extends ClusterView {
  self: string;
}
