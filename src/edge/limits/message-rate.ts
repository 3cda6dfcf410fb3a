import { StrikeRun, type EdgeSession } from '../edge-session.js';

export interface MessageRateOptions {
  /** Messages per second a connection may sustain; 0 = no limit. */
  maxMessageRate: number;
  /** Messages it may send at once above the rate (the bucket's size). */
  maxMessageBurst: number;
  /** Strikes in a row before the connection is closed (4011). */
  rateStrikes: number;
}

/**
 * A strike is a STRIKE_MS interval in which messages were dropped: a flood
 * that does not let up meets strike S after (S - 1) * STRIKE_MS (3 strikes:
 * 100 ms), the close stays fast enough to spare the connection's
 * neighbours, and the peer is told at most 1000 / STRIKE_MS times a second.
 */
export const STRIKE_MS = 50;
/**
 * Strikes add up until a drop-free stretch this long. Longer than any loop
 * stall worth surviving: a stalled loop reads a flood in batches hundreds
 * of ms apart, and each batch must still count towards the close.
 */
export const STRIKE_RUN_GAP_MS = 1000;

/** What to do with one message. */
export const RateVerdict = {
  Accept: 0,
  /** Dropped; the first drop of a strike: tell the peer (error 33). */
  DropAndWarn: 1,
  /** Dropped, quietly (the peer was told in this strike). */
  Drop: 2,
  /** Dropped, and the strikes are used up: close with 4011. */
  Close: 3,
} as const;
export type RateVerdict = (typeof RateVerdict)[keyof typeof RateVerdict];

/**
 * Per-connection message rate, as a token bucket on the connection's
 * EdgeSession (no per-connection timer: refilled lazily from the elapsed
 * time when a message arrives). A message finding the bucket empty is
 * dropped unread. Its first drop in a STRIKE_MS interval is a strike (the
 * peer gets one error 33 for it, not one per message: a flood must not be
 * answered by a flood); strikes add up until a drop-free second, and
 * `rateStrikes` of them close the connection, as gRPC's too_many_pings
 * does. A registration of an id the gateway did not hold gets its token
 * back (`refund`): a multiplexing edge registers its devices at once, and
 * how many ids a connection may hold is --max-clients-per-connection's to
 * bound. O(1) per message.
 */
export class MessageRate {
  /** The bucket's size in thousandths of a message: with the rate in messages/s, a refill of `elapsed` ms is `elapsed * rate` thousandths, a whole number. */
  private readonly maxMilliTokens: number;

  constructor(private readonly options: MessageRateOptions) {
    this.maxMilliTokens = options.maxMessageBurst * 1000;
  }

  get enabled(): boolean {
    return this.options.maxMessageRate > 0;
  }

  verdict(session: EdgeSession, now: number): RateVerdict {
    const elapsed = now - session.refilledAt;
    if (elapsed > 0) {
      session.milliTokens = Math.min(this.maxMilliTokens, session.milliTokens + elapsed * this.options.maxMessageRate);
      session.refilledAt = now;
    }
    if (session.milliTokens >= 1000) {
      session.milliTokens -= 1000;
      return RateVerdict.Accept;
    }
    const run = (session.strikeRun ??= new StrikeRun());
    const sinceStrike = now - run.struckAt;
    if (sinceStrike < STRIKE_MS) return RateVerdict.Drop;
    run.strikes = sinceStrike < STRIKE_RUN_GAP_MS ? run.strikes + 1 : 1;
    run.struckAt = now;
    return run.strikes >= this.options.rateStrikes ? RateVerdict.Close : RateVerdict.DropAndWarn;
  }

  /** The message just accepted registered an id new to the gateway: it costs no token. */
  refund(session: EdgeSession): void {
    if (this.enabled) session.milliTokens = Math.min(this.maxMilliTokens, session.milliTokens + 1000);
  }
}
