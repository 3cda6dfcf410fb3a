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
 * Layout: six small integers and a constant string, 72 bytes with the
 * object header, per pinged client; no history. Every number is a whole
 * count that V8 keeps in the field itself (a Smi): a fractional or
 * -Infinity/NaN value would put each field's number in a 16-byte box of
 * its own, 48 bytes more per client (measured in a heap snapshot of 15,000
 * quiet clients). The send time is performance.now() split into whole ms
 * (a Smi for the first 24 days of the process; after that that one field
 * is boxed: +16 bytes) and µs within the ms; round trips are whole µs
 * (up to 35 minutes). A duration measured for reporting only, never a time
 * that decides expiry (that is the Clock's integer ms, at the read horizon).
 */
export class RoundTrip {
  /** The latest ping's sequence number (1, 2, ... per client life). */
  seq = 0;
  /** performance.now() when the latest ping went out, whole ms; -1 once answered (a second echo measures nothing). */
  sentMs = -1;
  /** ... and the µs within that ms (0-1000). */
  sentUs = 0;
  via: PingVia = 'message';
  /** The latest measured round trip, whole µs; -1 until one is. */
  lastUs = -1;
  /** Smoothed round trip, whole µs, as TCP's SRTT (RFC 6298, alpha 1/8); -1 until measured. */
  smoothedUs = -1;

  /** The latest measured round trip (ms); NaN until one is. */
  get lastMs(): number {
    return this.lastUs < 0 ? Number.NaN : this.lastUs / 1000;
  }

  /** Smoothed round trip (ms); NaN until measured. */
  get smoothedMs(): number {
    return this.smoothedUs < 0 ? Number.NaN : this.smoothedUs / 1000;
  }
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
    const wholeMs = Math.floor(sentAt);
    rtt.sentMs = wholeMs;
    rtt.sentUs = Math.round((sentAt - wholeMs) * 1000);
    rtt.via = via;
    return rtt.seq;
  }

  /** `entry` echoed `seq` (a ka_pong or ka_heartbeat with `seq`, or a pong frame's payload). */
  answered(entry: ClientEntry, seq: number, via: PingVia): void {
    const rtt = entry.roundTrip;
    if (rtt === undefined || rtt.sentMs < 0 || rtt.seq !== seq || rtt.via !== via) return;
    const us = Math.max(0, Math.round((performance.now() - rtt.sentMs) * 1000) - rtt.sentUs);
    const ms = us / 1000;
    rtt.sentMs = -1;
    rtt.lastUs = us;
    rtt.smoothedUs = rtt.smoothedUs < 0 ? us : Math.round(rtt.smoothedUs + (us - rtt.smoothedUs) * SMOOTHING);
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
