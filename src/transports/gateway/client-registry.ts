import type { Clock } from '../../monitor/clock.js';
import type { LiveMonitor } from '../../monitor/live-monitor.js';
import { DEFAULT_PING_INTERVAL_MS, DEFAULT_TIMEOUT_MS, type ClientSettings } from '../../monitor/monitor.js';
import { ClientEntry, type Connection } from './connection.js';
import { LocalHeldCount, type HeldCount } from './held-count.js';

/**
 * Who else must hear of a client's life (the cluster, with --redis): a new
 * life here (claimed) and its end here (released). Moves between this
 * gateway's own connections are neither.
 */
export interface OwnershipHooks {
  claimed(entry: ClientEntry): void;
  released(entry: ClientEntry, why: 'closed' | 'expired'): void;
}

export interface RegistryListener {
  /** `clientId` now belongs to another connection; `from` should be told. */
  moved(from: Connection, clientId: string): void;
  /**
   * The monitor ended this client's life before its expired event reached
   * the gateway (on worker threads, a heartbeat can meet an expiry a worker
   * has decided but the main thread has not settled yet): the expiry must be
   * acted on now, closing or notifying, since the event will find no entry.
   */
  ended(entry: ClientEntry): void;
  /**
   * Every registration, new or again, with its sequence number: I/O threads
   * (--threads N) tell their siblings, whose older registration of the same
   * id then moves here (yieldTo).
   */
  registered?(clientId: string, seq: number): void;
}

/**
 * Who owns which client_id, kept in step with the live monitor: an entry
 * exists exactly while the monitor holds that client's current life.
 */
export class ClientRegistry {
  private readonly byId = new Map<string, ClientEntry>();
  private pingedCount = 0;
  heartbeats = 0;

  constructor(
    private readonly monitor: LiveMonitor,
    private readonly clock: Clock,
    private readonly listener: RegistryListener,
    /** Registration sequence numbers; I/O threads draw them from one shared counter. */
    private readonly nextSeq: () => number = localSequence(),
    private readonly ownership?: OwnershipHooks,
    /** Clients held against --max-clients: this thread's, or the whole process's with --threads. */
    private readonly clients: HeldCount = new LocalHeldCount(Number.MAX_SAFE_INTEGER),
  ) {}

  /**
   * Whether --max-clients is reached (every thread's clients counted, with
   * --threads). Checked before a new id registers; two threads taking the
   * last place at the same instant may both get it (at most threads - 1 over).
   */
  get full(): boolean {
    return this.clients.full;
  }

  get size(): number {
    return this.byId.size;
  }

  get pinged(): number {
    return this.pingedCount;
  }

  /** Every owned client, in registration order (read-only use: the dashboard's table). */
  entries(): IterableIterator<ClientEntry> {
    return this.byId.values();
  }

  get(clientId: string): ClientEntry | undefined {
    return this.byId.get(clientId);
  }

  /** Would registering `clientId` on `conn` add one more client to it? */
  addsTo(conn: Connection, clientId: string): boolean {
    return this.byId.get(clientId)?.conn !== conn;
  }

  /** Registers (or re-registers) `clientId` as owned by `conn`; a client of another connection moves. */
  register(conn: Connection, clientId: string, settings: ClientSettings): ClientEntry {
    const handle = this.monitor.register(clientId, settings);
    const now = this.clock.now();
    const pingIntervalMs = settings.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
    const timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const seq = this.nextSeq();
    let entry = this.byId.get(clientId);
    if (entry === undefined) {
      entry = new ClientEntry(clientId, conn, handle, this.monitor.finalHandles, pingIntervalMs, timeoutMs, now);
      entry.seq = seq;
      entry.claimSeq = seq;
      this.byId.set(clientId, entry);
      this.clients.add();
      conn.addClient(entry);
      this.ownership?.claimed(entry);
      this.listener.registered?.(clientId, seq);
      return entry;
    }
    entry.claimSeq = seq;
    this.listener.registered?.(clientId, seq);
    entry.setLife(handle, this.monitor.finalHandles);
    entry.pingIntervalMs = pingIntervalMs;
    entry.timeoutMs = timeoutMs;
    this.refreshed(entry, now);
    if (entry.conn !== conn) {
      const from = entry.conn;
      from.removeClient(entry);
      entry.conn = conn;
      conn.addClient(entry);
      this.listener.moved(from, clientId);
    }
    return entry;
  }

  /** Activity of a client: last_seen := now. False if its life ended under us (then acted on as an expiry). */
  touch(entry: ClientEntry): boolean {
    if (!this.monitor.heartbeatHandle(entry.life)) {
      this.listener.ended(entry);
      // The listener expires it through `expired`; never keep an entry the monitor no longer has.
      this.unlink(entry);
      return false;
    }
    this.heartbeats++;
    this.refreshed(entry, this.clock.now());
    return true;
  }

  markPinged(entry: ClientEntry): void {
    if (entry.pinged) return;
    entry.pinged = true;
    this.pingedCount++;
  }

  /** The monitor expired this client: forget it (the monitor already has). */
  expired(entry: ClientEntry): void {
    this.unlink(entry);
    this.ownership?.released(entry, 'expired');
  }

  /** Its connection closed: removed from the monitor, not reported as expired. */
  release(entry: ClientEntry): void {
    this.monitor.remove(entry.clientId);
    this.unlink(entry);
    this.ownership?.released(entry, 'closed');
  }

  /** Another gateway took this client over: forget it here, and tell its connection (ka_moved, 4001 if left empty). */
  drop(entry: ClientEntry): void {
    const from = entry.conn;
    this.monitor.remove(entry.clientId);
    this.unlink(entry);
    this.listener.moved(from, entry.clientId);
  }

  /**
   * Another I/O thread registered `clientId` with sequence `seq`: if that is
   * later than this thread's latest registration of it, the client moved
   * there (ka_moved, 4001 if its connection is left empty); if earlier, this
   * one stands and the other thread yields when it hears of it.
   */
  yieldTo(clientId: string, seq: number): void {
    const entry = this.byId.get(clientId);
    if (entry !== undefined && entry.claimSeq < seq) this.drop(entry);
  }

  private refreshed(entry: ClientEntry, now: number): void {
    entry.lastSeen = now;
    if (entry.pinged) {
      entry.pinged = false;
      this.pingedCount--;
    }
  }

  private unlink(entry: ClientEntry): void {
    if (this.byId.get(entry.clientId) === entry) {
      this.byId.delete(entry.clientId);
      this.clients.release();
    }
    if (entry.pinged) {
      entry.pinged = false;
      this.pingedCount--;
    }
    entry.conn.removeClient(entry);
  }
}

function localSequence(): () => number {
  let next = 0;
  return () => next++;
}
