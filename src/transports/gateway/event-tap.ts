/**
 * A read-only view of what the gateway does, for observers that are not
 * part of the keep-alive path (the dashboard). The gateway calls these
 * after it has acted; an observer must not throw and should do O(1) work
 * per call: they run on the hot path (an expiry batch calls `expired` once
 * per client).
 */
export interface GatewayEventTap {
  /** A client expired: its connection was closed (alone on it) or notified; `delayMs` = now - deadline. */
  expired(clientId: string, connection: number, action: 'closed' | 'notified', delayMs: number): void;
  /** `clientId` was registered from another connection and left `from`. */
  moved(clientId: string, from: number): void;
  /** A connection closed (`reason` as in keepwatch_connection_closes_total), releasing `clientsRemoved` clients. */
  closed(connection: number, reason: string, clientsRemoved: number): void;
  /** `count` pings were scheduled (ka_ping after the jitter). */
  pinged(count: number): void;
  /** A ping's echo was read `ms` (fractional) after the ping went out. */
  roundTrip(ms: number): void;
}

/** The tap when nobody observes. */
export const NO_TAP: GatewayEventTap = {
  expired() {},
  moved() {},
  closed() {},
  pinged() {},
  roundTrip() {},
};
