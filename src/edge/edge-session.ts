import type { Scope } from './auth/scope.js';

/**
 * Per-connection edge state, hung on the gateway's Connection: what its
 * token lets it register (a device's token: its `sub` string alone), where
 * it comes from (only kept when the per-IP cap needs it at close), and its
 * message-rate bucket. 64 bytes, the scope's string aside (5 fields; a
 * connection that was ever rate-limited adds its StrikeRun, 40 bytes): every
 * number is a whole one V8 keeps in its field (a Smi); a fractional or
 * -Infinity value would box each such field's number in 16 bytes of its own.
 */
/** A strike time further back than any run gap: Clock ms count from 0 at start, and this stays a Smi. */
export const NEVER_STRUCK = -(2 ** 30);

/** A connection's strikes (STRIKE_MS intervals in which messages were dropped: limits/message-rate.ts). */
export class StrikeRun {
  /** Strikes in the current run. */
  strikes = 0;
  /** Clock ms of the latest strike (NEVER_STRUCK: none yet); drops within STRIKE_MS of it add none. */
  struckAt = NEVER_STRUCK;
}

export class EdgeSession {
  /** Thousandths of messages it may still send at once (the token bucket's level): a whole number for a whole --max-message-rate. */
  milliTokens: number;
  /** Clock ms the bucket was last refilled. */
  refilledAt: number;
  /** Its strikes, from its first dropped message on: a connection within its rate (nearly all) never pays for one. */
  strikeRun: StrikeRun | undefined = undefined;

  constructor(
    /** What its token lets it register; undefined: --auth none. */
    readonly scope: Scope | undefined,
    /** Canonical peer address, when --max-connections-per-ip counts it. */
    readonly peer: string | undefined,
    burst: number,
    now: number,
  ) {
    this.milliTokens = burst * 1000;
    this.refilledAt = now;
  }
}
