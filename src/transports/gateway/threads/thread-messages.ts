import type { Registry } from 'prom-client';
import type { ClientPageQuery } from '../../../dashboard/client-query.js';
import type { LiveReport } from '../../../dashboard/live-report.js';
import type { ClientPage, KickResult, TickMessage } from '../../../dashboard/wire.js';
import type { Health } from '../http-routes.js';
import type { GatewayOptions } from '../options.js';

/**
 * What the supervisor (main thread) and the I/O threads say to each other.
 * Nothing here is per heartbeat or per frame: only start-up, shutdown,
 * HTTP aggregation (/healthz, /status, /metrics, the dashboard's table and
 * kick), the dashboard stream's second (a report from each thread and the
 * merged message back, once a second) and a thread's failure.
 */

/** What one I/O thread is started with. */
export interface IoThreadData {
  /** Which thread; undefined for the warm spare, which waits for 'activate'. */
  thread: number | undefined;
  options: GatewayOptions;
  /** The port every thread listens on (SO_REUSEPORT); 0 only for the first thread, which picks it. */
  port: number;
  /** One Int32 cell: the process-wide registration sequence (Atomics.add). */
  seq: SharedArrayBuffer;
}

/** What a thread asks the supervisor to collect from every thread (for an HTTP request it got). */
export type CollectKind = 'health' | 'metrics' | 'status' | 'clients' | 'kick';
/** What the supervisor asks of every thread: a collection, or (on its own 1 Hz timer) the dashboard stream's second. */
export type ReportKind = CollectKind | 'live';

/** What a collection is about, for the kinds that take a question: the dashboard's table page, or whom to kick. */
export interface CollectArgs {
  query?: ClientPageQuery;
  clientId?: string;
  /** 'live': a dashboard page is open on some thread (the loop-lag sampler and "about to expire" scan run). */
  watched?: boolean;
}

/** One thread's clients in its registration order, with the process-wide sequence numbers to merge by. */
export interface StatusColumns {
  ids: string[];
  lastSeenMsAgo: number[];
  /** Latest and smoothed round trips (ms), null until measured. */
  rttMs: (number | null)[];
  srttMs: (number | null)[];
  seqs: number[];
}

/** prom-client's JSON form of one registry (what AggregatorRegistry.aggregate takes). */
export type ThreadMetrics = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

export interface ThreadReports {
  health: { connections: number; clients: number };
  metrics: ThreadMetrics;
  status: StatusColumns;
  /** This thread's first offset + limit matching rows in the query's order (each tagged with the thread). */
  clients: ClientPage;
  /** The kick, if this thread held the client. */
  kick: KickResult | null;
  /** This thread's second for the dashboard stream. */
  live: LiveReport;
}

/** The whole process's answer, handed to the thread that got the HTTP request. */
export interface Collected {
  health: Health;
  metrics: string;
  status: Omit<StatusColumns, 'seqs'>;
  clients: ClientPage;
  kick: KickResult | null;
}

export type ThreadToMain =
  | { kind: 'listening'; port: number }
  | { kind: 'collect'; id: number; what: CollectKind; args?: CollectArgs }
  | { kind: 'report'; id: number; what: ReportKind; data: ThreadReports[ReportKind] }
  /** Sent by a thread that caught an unexpected error, before it exits: what it lost. */
  | { kind: 'failed'; error: string; connections: number; clients: number }
  | { kind: 'stopped' }
  /** The warm spare has loaded its modules and waits for 'activate'. */
  | { kind: 'spare_ready' }
  /** The thread could not start for a usage problem (a JWKS or TLS file): the process exits 2, as with one thread. */
  | { kind: 'config_error'; error: string }
  /** Registrations since the last batch (one batch per turn of the thread's loop): relayed to every other thread. */
  | { kind: 'claims'; ids: string[]; seqs: number[] };

export type MainToThread =
  | { kind: 'report'; id: number; what: ReportKind; args?: CollectArgs }
  /** The dashboard stream's second, every thread's merged: the same to every thread, for its pages. */
  | { kind: 'live'; message: TickMessage }
  | { kind: 'collected'; id: number; what: CollectKind; data: Collected[CollectKind] }
  | { kind: 'stop'; graceMs: number }
  /** To the warm spare: become thread `thread` (start its gateway on the shared port). */
  | { kind: 'activate'; thread: number }
  | { kind: 'claims'; ids: string[]; seqs: number[] };
