import { NO_TAP, type GatewayEventTap } from './event-tap.js';
import type { ClientEntry } from './connection.js';
import type { GatewayMetrics } from './metrics.js';

/** What a ping was sent as, and so which answer measures it: a ka_pong/heartbeat echoing `seq`, or the pong frame echoing it. */
export type PingVia = 'message' | 'frame';

/** RFC 6298's alpha: SRTT := SRTT + (R - SRTT) / 8. */
const SMOOTHING = 1 / 8;

/**
 * One client's round trips. Allocated at its first ping (a client that
 * heartbeats often enough is never pinged and never pays for one).
 *
 * Layout: five numbers, ~56 bytes with the object header, per pinged
 * client; no history. `sentAt` is performance.now() (fractional ms): a
 * duration measured for reporting only, never a time that decides expiry
 * (that is the Clock's integer ms, at the read horizon).
 */
export class RoundTrip {
  /** The latest ping's sequence number (1, 2, ... per client life). */
  seq = 0;
  /** performance.now() when the latest ping went out; -1 once answered (a second echo measures nothing). */
  sentAt = -1;
  via: PingVia = 'message';
  /** The latest measured round trip (ms); NaN until one is. */
  lastMs = Number.NaN;
  /** Smoothed round trip (ms), as TCP's SRTT (RFC 6298, alpha 1/8); NaN until measured. */
  smoothedMs = Number.NaN;
}

/**
 * Measures round trips at the two ends of a ping: `sent` numbers it and
 * starts the clock; `answered` stops it if the echo names the latest ping,
 * the way it was sent. O(1) per ping and per answer, no allocation after a
 * client's first ping.
 */
export class RoundTripMeter {
  /** Observes each measured round trip (the dashboard); set once at start. */
  tap: Pick<GatewayEventTap, 'roundTrip'> = NO_TAP;

  constructor(private readonly metrics: Pick<GatewayMetrics, 'roundTrip'>) {}

  /**
   * A ping is going out to `entry` at `sentAt` (performance.now(); a batch
   * reads it once): its sequence number, to put in the ka_ping or the ping frame.
   */
  sent(entry: ClientEntry, via: PingVia, sentAt: number): number {
    const rtt = (entry.roundTrip ??= new RoundTrip());
    rtt.seq++;
    rtt.sentAt = sentAt;
    rtt.via = via;
    return rtt.seq;
  }

  /** `entry` echoed `seq` (a ka_pong or ka_heartbeat with `seq`, or a pong frame's payload). */
  answered(entry: ClientEntry, seq: number, via: PingVia): void {
    const rtt = entry.roundTrip;
    if (rtt === undefined || rtt.sentAt < 0 || rtt.seq !== seq || rtt.via !== via) return;
    const ms = performance.now() - rtt.sentAt;
    rtt.sentAt = -1;
    rtt.lastMs = ms;
    rtt.smoothedMs = Number.isNaN(rtt.smoothedMs) ? ms : rtt.smoothedMs + (ms - rtt.smoothedMs) * SMOOTHING;
    this.metrics.roundTrip(via, ms);
    this.tap.roundTrip(ms);
  }
}

/** A pong frame's payload as the ping's sequence number (the ping frame carries it as decimal text); NaN if it is not one. */
export function pongSeq(payload: ArrayBuffer): number {
  if (payload.byteLength === 0 || payload.byteLength > 15) return Number.NaN;
  const text = Buffer.from(payload).toString('latin1');
  return /^[1-9]\d*$/.test(text) ? Number(text) : Number.NaN;
}

/** A round trip as /status and the dashboard show it: ms to the microsecond, null until measured. */
export function measuredMs(ms: number | undefined): number | null {
  return ms === undefined || Number.isNaN(ms) ? null : roundMicros(ms);
}

export function roundMicros(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
