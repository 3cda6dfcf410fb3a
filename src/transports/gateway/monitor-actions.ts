import type { Clock } from '../../monitor/clock.js';
import type { ExpiredFindings, LiveMonitorEvents, PingFindings } from '../../monitor/live-monitor.js';
import type { ClientRegistry } from './client-registry.js';
import { CloseReason } from './close-codes.js';
import type { ClientEntry } from './connection.js';
import { CorkedSends } from './corked-sends.js';
import { NO_TAP, type GatewayEventTap } from './event-tap.js';
import type { Logger } from './logger.js';
import type { GatewayMetrics } from './metrics.js';
import { encodeNotice, encodePing } from './notices.js';
import type { PingMode } from './options.js';
import { PingPacer } from './ping-pacer.js';
import type { RoundTripMeter } from './round-trip.js';

export interface MonitorActionsOptions {
  ping: PingMode;
  pingJitterMs: number;
  maxUnreportedExpiries: number;
}

/**
 * What the gateway does when the monitor reports: an expired client alone
 * on its connection closes it (4000 `keepalive timeout`); one among many
 * is reported to its connection as `ka_expired`. A client due a ping gets
 * one ping after a jitter: `ka_ping`, or a WebSocket ping frame when alone
 * on its connection and --ping says ws (both: the two). Each ping carries
 * the client's next sequence number (round-trip.ts): in `seq` of the
 * ka_ping, as the ping frame's payload. With both, the ka_ping's echo is the
 * one measured (the application's round trip, the one liveness is about).
 */
export class MonitorActions {
  private readonly pacer: PingPacer;
  private registry: ClientRegistry | undefined;
  /** Observes expiries and pings (the dashboard); set once at start. */
  tap: GatewayEventTap = NO_TAP;

  constructor(
    private readonly clock: Clock,
    private readonly metrics: GatewayMetrics,
    private readonly log: Logger,
    private readonly options: MonitorActionsOptions,
    private readonly roundTrips: RoundTripMeter,
    /** The monitor's ping tick (server.ts): the pacer's widest slot, so that both wake together. */
    pingTickMs: number,
  ) {
    this.pacer = new PingPacer(clock, options.pingJitterMs, pingTickMs, (entries) => this.sendPings(entries));
  }

  /** The registry is built on the monitor, which is built on these events: tied after both exist. */
  attach(registry: ClientRegistry): void {
    this.registry = registry;
  }

  readonly events: LiveMonitorEvents = {
    expired: (found) => this.onExpired(found),
    ping: (found) => this.onPing(found),
    horizonLag: (lagMs) => this.metrics.expiryDeferred(lagMs),
  };

  stop(): void {
    this.pacer.stop();
  }

  /**
   * Reads `found` during the call only: its arrays are the sweep's, reused
   * by the next step. Two passes: first what the peers see (each close, the
   * ka_expired notices), then the bookkeeping of the whole batch (metrics,
   * the dashboard's tap, debug lines). A burst's last client then waits for
   * the earlier clients' closes only, not for their bookkeeping too, and
   * the bookkeeping runs as one tight loop, which the JIT warms at once
   * (expiries are rare: the first burst of a process meets cold code).
   */
  private onExpired({ count, ids, deadlines }: ExpiredFindings): void {
    const registry = this.registry;
    if (registry === undefined) return;
    const started = performance.now();
    const now = this.clock.now();
    const acted: ClientEntry[] = [];
    const delays: number[] = [];
    const closedFlags: boolean[] = [];
    const outbox = new CorkedSends();
    for (let i = 0; i < count; i++) {
      // No entry: its connection closed, or the expiry was already acted on (`expireNow`).
      const entry = registry.get(ids[i]);
      if (entry === undefined) continue;
      acted.push(entry);
      delays.push(now - deadlines[i]);
      closedFlags.push(this.expireOne(registry, entry, outbox));
    }
    outbox.flush();
    let closed = 0;
    let maxDelayMs = 0;
    for (let i = 0; i < acted.length; i++) {
      if (closedFlags[i]) closed++;
      maxDelayMs = Math.max(maxDelayMs, delays[i]);
      this.account(acted[i], closedFlags[i], delays[i]);
    }
    this.metrics.sweepHandled('expired', (performance.now() - started) / 1000);
    this.log.info({ event: 'expired', count: acted.length, closed, notified: acted.length - closed, maxDelayMs });
  }

  /**
   * A client whose life the monitor ended before telling (see
   * RegistryListener.ended): the same act as a swept expiry, at once, so
   * that an expiry is never counted without its close or ka_expired.
   */
  expireNow(entry: ClientEntry): void {
    const registry = this.registry;
    if (registry === undefined || registry.get(entry.clientId) !== entry) return;
    const delayMs = Math.max(0, this.clock.now() - (entry.lastSeen + entry.timeoutMs));
    const outbox = new CorkedSends();
    const closed = this.expireOne(registry, entry, outbox);
    outbox.flush();
    this.account(entry, closed, delayMs);
    this.log.info({ event: 'expired', count: 1, closed: closed ? 1 : 0, notified: closed ? 0 : 1, raced: true });
  }

  /** Forgets `entry` and closes its connection (alone on it: true) or queues its ka_expired (false). */
  private expireOne(registry: ClientRegistry, entry: ClientEntry, outbox: CorkedSends): boolean {
    const conn = entry.conn;
    const alone = conn.clientCount === 1;
    registry.expired(entry);
    if (alone) {
      // Its earlier clients' ka_expired (this same batch) go out before the close.
      outbox.flushConnection(conn);
      conn.close(CloseReason.KeepaliveTimeout);
    } else {
      outbox.add(conn, encodeNotice('ka_expired', entry.clientId));
      conn.recordExpiry(entry.clientId, this.options.maxUnreportedExpiries);
    }
    return alone;
  }

  /** Counts an expiry acted on (`closed`: its connection closed, else notified) `delayMs` after its deadline. */
  private account(entry: ClientEntry, closed: boolean, delayMs: number): void {
    const action = closed ? 'closed' : 'notified';
    this.metrics.expired(action, delayMs);
    this.tap.expired(entry.clientId, entry.conn.id, action, delayMs);
    if (this.log.isLevelEnabled('debug')) this.log.debug({ event: 'expired', clientId: entry.clientId, connection: entry.conn.id, delayMs, closed });
  }

  /** Reads `found` during the call only (see onExpired). */
  private onPing({ count, ids, handles }: PingFindings): void {
    const registry = this.registry;
    if (registry === undefined) return;
    const started = performance.now();
    const due: ClientEntry[] = [];
    for (let i = 0; i < count; i++) {
      const entry = registry.get(ids[i]);
      if (entry !== undefined && entry.life.handle === handles[i]) due.push(entry);
    }
    this.pacer.schedule(due);
    this.tap.pinged(due.length);
    this.metrics.sweepHandled('ping', (performance.now() - started) / 1000);
  }

  /**
   * A client alone on its connection gets one write: sent as it is, without
   * a cork (a native call and a JS callback per ping, with nothing to
   * batch). Only a connection that may get several writes in this batch (its
   * clients' pings, or --ping both's message and frame) goes through one cork.
   */
  private sendPings(entries: readonly ClientEntry[]): void {
    const mode = this.options.ping;
    const sentAt = performance.now();
    let outbox: CorkedSends | undefined;
    let messages = 0;
    let frames = 0;
    for (const entry of entries) {
      const conn = entry.conn;
      const alone = conn.sole === entry;
      // A ping frame's pong cannot name a client: only a client alone on its connection gets one.
      const frame = mode !== 'app' && alone;
      const message = !frame || mode === 'both';
      const seq = this.roundTrips.sent(entry, message ? 'message' : 'frame', sentAt);
      if (frame) frames++;
      if (alone && frame !== message) {
        if (frame) conn.ping(String(seq));
        else if (conn.send(encodePing(entry.clientId, seq))) messages++;
      } else {
        outbox ??= new CorkedSends();
        if (message) outbox.add(conn, encodePing(entry.clientId, seq));
        if (frame) outbox.addPingFrame(conn, String(seq));
      }
      this.registry?.markPinged(entry);
    }
    if (outbox !== undefined) messages += outbox.flush();
    this.metrics.pinged('message', messages);
    this.metrics.pinged('frame', frames);
  }
}
