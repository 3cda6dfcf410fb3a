import type { Scope } from './auth/scope.js';

/**
 * Per-connection edge state, hung on the gateway's Connection: what its
 * token lets it register (a device's token: its `sub` string alone), where
 * it comes from (only kept when the per-IP cap needs it at close), and its
 * message-rate bucket. About 80 bytes, the scope's string aside.
 */
export class EdgeSession {
  /** Messages it may still send at once (the token bucket's level). */
  tokens: number;
  /** Clock ms the bucket was last refilled. */
  refilledAt: number;
  /** Strikes in the current run (STRIKE_MS intervals in which messages were dropped: limits/message-rate.ts). */
  strikes = 0;
  /** Clock ms of the latest strike; drops within STRIKE_MS of it add none. */
  struckAt = -Infinity;

  constructor(
    /** What its token lets it register; undefined: --auth none. */
    readonly scope: Scope | undefined,
    /** Canonical peer address, when --max-connections-per-ip counts it. */
    readonly peer: string | undefined,
    burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.refilledAt = now;
  }
}
