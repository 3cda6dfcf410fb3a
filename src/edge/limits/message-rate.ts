import type { EdgeSession } from '../edge-session.js';

export interface MessageRateOptions {
  /** Messages per second a connection may sustain; 0 = no limit. */
  maxMessageRate: number;
  /** Messages it may send at once above the rate (the bucket's size). */
  maxMessageBurst: number;
  /** Strike seconds in a row before the connection is closed (4011). */
  rateStrikes: number;
}

/** What to do with one message. */
export const RateVerdict = {
  Accept: 0,
  /** Dropped; the first drop of a strike second: tell the peer (error 33). */
  DropAndWarn: 1,
  /** Dropped, quietly (the peer was told this second). */
  Drop: 2,
  /** Dropped, and the strikes are used up: close with 4011. */
  Close: 3,
} as const;
export type RateVerdict = (typeof RateVerdict)[keyof typeof RateVerdict];

/**
 * Per-connection message rate, as a token bucket on the connection's
 * EdgeSession (no per-connection timer: refilled lazily from the elapsed
 * time when a message arrives). A message finding the bucket empty is
 * dropped unread. A second in which messages are dropped is a strike
 * (the peer gets one error 33 for it, not one per message: a flood must
 * not be answered by a flood); strikes in consecutive seconds add up, a
 * quiet second starts over, and `rateStrikes` in a row close the
 * connection, as gRPC's too_many_pings does. O(1) per message.
 */
export class MessageRate {
  private readonly perMs: number;

  constructor(private readonly options: MessageRateOptions) {
    this.perMs = options.maxMessageRate / 1000;
  }

  get enabled(): boolean {
    return this.options.maxMessageRate > 0;
  }

  get burst(): number {
    return this.options.maxMessageBurst;
  }

  verdict(session: EdgeSession, now: number): RateVerdict {
    const elapsed = now - session.refilledAt;
    if (elapsed > 0) {
      session.tokens = Math.min(this.options.maxMessageBurst, session.tokens + elapsed * this.perMs);
      session.refilledAt = now;
    }
    if (session.tokens >= 1) {
      session.tokens -= 1;
      return RateVerdict.Accept;
    }
    const sinceStrike = now - session.struckAt;
    if (sinceStrike < 1000) return RateVerdict.Drop;
    // A strike second right after the previous one continues the run; a gap restarts it.
    session.strikes = sinceStrike < 2000 ? session.strikes + 1 : 1;
    session.struckAt = now;
    return session.strikes >= this.options.rateStrikes ? RateVerdict.Close : RateVerdict.DropAndWarn;
  }
}
