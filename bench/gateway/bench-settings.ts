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
  idleCpuWindowMs: number;
  repeats: number;
  burstConnections: number;
  burstWindow: number;
  burstWarmupMs: number;
  burstMs: number;
  /** keepwatch scale scenario: connections of which muxConnections carry idsPerMux client_ids each. */
  scaleConnections: number;
  scaleMuxConnections: number;
  scaleIdsPerMux: number;
  scaleHeartbeatMs: number;
  maxPerChild: number;
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
  idleCpuWindowMs: 10_000,
  repeats: 3,
  burstConnections: 400,
  burstWindow: 32,
  burstWarmupMs: 1_000,
  burstMs: 3_000,
  scaleConnections: 15_000,
  scaleMuxConnections: 100,
  scaleIdsPerMux: 1_000,
  scaleHeartbeatMs: 3_000,
  maxPerChild: 5_000,
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
  idleCpuWindowMs: 1_000,
  repeats: 1,
  burstConnections: 100,
  burstWindow: 32,
  burstWarmupMs: 300,
  burstMs: 1_000,
  scaleConnections: 300,
  scaleMuxConnections: 4,
  scaleIdsPerMux: 250,
  scaleHeartbeatMs: 750,
  maxPerChild: 150,
};
