/** One run's sizes and windows: the full run for the committed results, --quick to prove it works in seconds. */
export interface BenchSettings {
  mode: 'full' | 'quick';
  /** Single-client connections in the same-load comparison (all servers). */
  connections: number;
  timeoutMs: number;
  pingIntervalMs: number;
  /** uWS idleTimeout baseline, whole seconds (uWS accepts 0 or at least 8). */
  uwsIdleTimeoutS: number;
  silenceFraction: number;
  /** Heartbeat period of live clients while the victims are silenced (their last activity then falls anywhere in it). */
  detectionHeartbeatMs: number;
  /** Steady load before silencing. */
  preSilenceMs: number;
  settleMs: number;
  /** A whole number of ping intervals (and of uWS's 4 s ticks), so every window holds the same number of pings. */
  idleCpuWindowMs: number;
  repeats: number;
  /** Connections bursting in a throughput window: enough that none nears the gateway's default 10,000 messages/s per connection (--max-message-rate, error 33). */
  burstConnections: number;
  burstWindow: number;
  burstWarmupMs: number;
  burstMs: number;
  /** keepwatch scale scenario: connections of which muxConnections carry idsPerMux client_ids each. */
  scaleConnections: number;
  scaleMuxConnections: number;
  scaleIdsPerMux: number;
  scaleHeartbeatMs: number;
  /** The scale clients' registration: longer than the comparison's, so 100,000 heartbeating ids stay a realistic rate. */
  scaleTimeoutMs: number;
  scalePingIntervalMs: number;
  maxPerChild: number;
  /** Interleaved keepwatch-vs-echo throughput: connections per server and alternating rounds. */
  abConnections: number;
  abRounds: number;
}

export const FULL: BenchSettings = {
  mode: 'full',
  connections: 15_000,
  timeoutMs: 8_000,
  pingIntervalMs: 4_000,
  uwsIdleTimeoutS: 8,
  silenceFraction: 0.02,
  detectionHeartbeatMs: 3_000,
  preSilenceMs: 6_000,
  settleMs: 3_000,
  idleCpuWindowMs: 12_000,
  repeats: 3,
  burstConnections: 400,
  burstWindow: 32,
  burstWarmupMs: 1_000,
  burstMs: 3_000,
  scaleConnections: 15_000,
  scaleMuxConnections: 100,
  scaleIdsPerMux: 1_000,
  scaleHeartbeatMs: 8_000,
  scaleTimeoutMs: 20_000,
  scalePingIntervalMs: 10_000,
  maxPerChild: 5_000,
  abConnections: 1_000,
  abRounds: 7,
};

export const QUICK: BenchSettings = {
  mode: 'quick',
  connections: 300,
  timeoutMs: 2_000,
  pingIntervalMs: 1_000,
  uwsIdleTimeoutS: 8,
  silenceFraction: 0.05,
  detectionHeartbeatMs: 750,
  preSilenceMs: 1_500,
  settleMs: 500,
  idleCpuWindowMs: 2_000,
  repeats: 2,
  // Not fewer: the gateway drops a connection's messages over 10,000/s (--max-message-rate), and the native tool reaches ~1M/s on 2 threads.
  burstConnections: 300,
  burstWindow: 32,
  burstWarmupMs: 300,
  burstMs: 1_000,
  scaleConnections: 300,
  scaleMuxConnections: 4,
  scaleIdsPerMux: 250,
  scaleHeartbeatMs: 750,
  scaleTimeoutMs: 2_000,
  scalePingIntervalMs: 1_000,
  maxPerChild: 150,
  abConnections: 300,
  abRounds: 2,
};
