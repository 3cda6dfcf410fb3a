import type { LoadEdge } from './edge-access.js';
import type { ChildPlan } from './load-plan.js';

/** What every child needs to know, sent once at start. */
export interface ChildSetup {
  url: string;
  plan: ChildPlan;
  timeoutMs: number;
  pingIntervalMs: number;
  /** How often each client sends ka_heartbeat; 0 = quiet (only answers the server's pings). */
  heartbeatIntervalMs: number;
  /** Connection handshakes in flight at once per child. */
  connectConcurrency: number;
  /** TLS and token, for a gateway with --tls-cert and --auth jwt. */
  edge: LoadEdge;
}

/** Commands from the coordinator to a child. */
export type ToChild =
  | { t: 'setup'; setup: ChildSetup }
  | { t: 'connect' }
  | { t: 'heartbeat-rate'; intervalMs: number }
  | { t: 'burst-start'; connections: number; window: number }
  | { t: 'burst-stop' }
  | { t: 'counts' }
  | { t: 'freeze' }
  | { t: 'report' };

export interface ConnectResult {
  opened: number;
  failed: number;
  registered: number;
  firstError: string | null;
}

export interface ChildCounts {
  /** Heartbeat replies (or echoes) received in burst mode, since the child started. */
  burstReplies: number;
  /** Sampled burst replies that did not answer the heartbeat sent (a wrong server), since the child started. */
  badReplies: number;
  /** Frames sent, since the child started. */
  framesSent: number;
  /** WebSocket ping frames received. */
  pingsReceived: number;
  /** ka_ping messages received. */
  kaPingsReceived: number;
  /**
   * Pings (either kind) read over ping_interval * 1.1 + 1 s after the client
   * last spoke: the server sent them late, or (if the child's event loop was
   * late that long: ChildReport.loopDelayMaxMs) the child read them late.
   */
  latePings: number;
}

/** The silenced child's last activity: the time (ns, CLOCK_MONOTONIC) it last wrote anything. */
export interface FrozenActivity {
  /** Per connection (global index): last frame of any kind written on it. */
  connectionLastWriteNs: Record<number, number>;
  /** Per multiplexed client_id: last frame naming it (register or heartbeat). */
  clientLastNamedNs: Record<string, number>;
  /** Connections the server had already closed before the silence: not silenced, and their losses are false positives. */
  closedBeforeSilence: number[];
  /** What the server ended on this child while its clients were still live. */
  lossesBeforeSilence: LiveLoss[];
}

/** A server-initiated end seen by a live (not silenced) client: a false positive or an unexpected close. */
export interface LiveLoss {
  clientId: string;
  kind: 'closed-4000' | 'ka_expired' | 'other-close';
  code: number;
  /** ns since the client's last activity, for judging how early it was. */
  silentForNs: number;
  /**
   * ns between the client's last write and the one before it. Over the
   * timeout, the client itself was silent that long just before its last
   * write (a starved load tool answering late, or a ping sent late): the
   * server may rightly have expired it. Within it, the server ended a client
   * that was never silent for its timeout by its own clock: a late read.
   */
  previousGapNs: number;
}

export interface ChildReport {
  counts: ChildCounts;
  losses: LiveLoss[];
  /** The longest the child's event loop was late since it started, ms (a starved tool: seconds). */
  loopDelayMaxMs: number;
}

/** Messages from a child to the coordinator (replies carry the command's type). */
export type FromChild =
  | { t: 'ready' }
  | { t: 'connected'; result: ConnectResult }
  | { t: 'ack' }
  | { t: 'counts'; counts: ChildCounts }
  | { t: 'socket'; connection: number }
  | { t: 'frozen'; activity: FrozenActivity }
  | { t: 'report'; report: ChildReport };
