import type { Registry } from 'prom-client';
import type { ClientPageQuery, ThreadClientPage } from '../../../dashboard/client-query.js';
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
  /** One BigInt64 cell: the process-wide registration sequence (Atomics.add). */
  seq: SharedArrayBuffer;
  /** The process-wide counts behind the caps (threads/process-counters.ts), and this thread's ledger row in them. */
  counters: SharedArrayBuffer;
  ledger: number;
  /** The per-address connection counts (--max-connections-per-ip; edge/limits/shared-per-ip-connections.ts), when set. */
  perIp: SharedArrayBuffer | undefined;
}

/**
 * What a thread asks the supervisor to collect from every thread (for an
 * HTTP request it got); 'claims' collects nothing: every thread's
 * registration batch relayed, before a /status reader opens its cursors.
 */
export type CollectKind = 'health' | 'metrics' | 'clients' | 'kick' | 'claims';
/** What the supervisor asks of every thread: a collection, or (on its own 1 Hz timer) the dashboard stream's second. */
export type ReportKind = Exclude<CollectKind, 'claims'> | 'live';

/** What a collection is about, for the kinds that take a question: the dashboard's table page, or whom to kick. */
export interface CollectArgs {
  query?: ClientPageQuery;
  clientId?: string;
  /** 'live': a dashboard page is open on some thread (the loop-lag sampler and "about to expire" scan run). */
  watched?: boolean;
}

/**
 * What a GET /status reader (on any thread) asks of one thread's clients
 * (threads/thread-status-cursors.ts): open a cursor (its `total`; `window`
 * is the reader's buffer for this thread's entries), step it (pass `skip`,
 * then the next `count`: taken as /status entries encoded into the window,
 * or only peeked at as registration numbers), close it.
 */
export type CursorOp =
  | { op: 'open'; window: SharedArrayBuffer }
  | { op: 'step'; skip: number; count: number; rows: boolean }
  | { op: 'close' };

export interface CursorAnswer {
  /** Process-wide registration numbers of the entries answered, ascending. */
  seqs: number[];
  /** When taken: where each entry ends in the window (the first starts at 0). */
  ends?: number[];
  /** Nothing comes after these. */
  end: boolean;
  /** The thread's client count, answering `open`. */
  total?: number;
}

/** prom-client's JSON form of one registry (what AggregatorRegistry.aggregate takes). */
export type ThreadMetrics = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

export interface ThreadReports {
  health: { connections: number; clients: number };
  metrics: ThreadMetrics;
  /** This thread's first offset + limit matching rows in the query's order (each tagged with the thread). */
  clients: ThreadClientPage;
  /** The kick, if this thread held the client. */
  kick: KickResult | null;
  /** This thread's second for the dashboard stream. */
  live: LiveReport;
}

/** The whole process's answer, handed to the thread that got the HTTP request. */
export interface Collected {
  health: Health;
  metrics: string;
  clients: ClientPage;
  kick: KickResult | null;
  claims: null;
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
  | { kind: 'claims'; ids: string[]; seqs: number[] }
  /** Answers 'flush_claims' `id`, after this thread's pending claims (if any) on the same port. */
  | { kind: 'claims_flushed'; id: number }
  /** A /status reader on this thread asks its cursor `cursor` on thread `thread` (relayed, stamped with the reader's worker serial); `id` routes the answer. */
  | { kind: 'cursor'; id: number; cursor: number; thread: number; op: CursorOp }
  /** This thread answers reader `reader`'s cursor operation (relayed back). */
  | { kind: 'cursor_answer'; id: number; reader: number; answer: CursorAnswer };

export type MainToThread =
  | { kind: 'report'; id: number; what: ReportKind; args?: CollectArgs }
  /** The dashboard stream's second, every thread's merged: the same to every thread, for its pages. */
  | { kind: 'live'; message: TickMessage }
  | { kind: 'collected'; id: number; what: CollectKind; data: Collected[CollectKind] }
  | { kind: 'stop'; graceMs: number }
  /** To the warm spare: become thread `thread` (start its gateway on the shared port). */
  | { kind: 'activate'; thread: number }
  | { kind: 'claims'; ids: string[]; seqs: number[] }
  /**
   * Send the claims not yet sent now, then 'claims_flushed': the first step
   * of every collection, so that what each thread reports includes every
   * move a registration made before the collection was asked (the
   * supervisor relays the claims before it asks for the reports).
   */
  | { kind: 'flush_claims'; id: number }
  /** Reader `reader` (a worker serial) asks its cursor `cursor` on this thread's clients. */
  | { kind: 'cursor'; id: number; cursor: number; reader: number; op: CursorOp }
  /** The answer to this thread's cursor operation; undefined: that thread is not running (none to ask). */
  | { kind: 'cursor_answer'; id: number; answer: CursorAnswer | undefined }
  /** Reader `reader`'s thread is gone: its cursors here are dropped. */
  | { kind: 'reader_gone'; reader: number };
