import type { WebSocket } from 'uWebSockets.js';
import type { ClientHandle } from '../../monitor/monitor.js';
import type { EdgeSession } from '../../edge/edge-session.js';
import type { CloseReason } from './close-codes.js';
import type { RoundTrip } from './round-trip.js';

/** What uWS keeps per socket (it copies this object; `conn` is the shared state). */
export interface SocketData {
  conn: Connection;
}

/**
 * One client_id as the gateway holds it: its owner and its monitor life.
 *
 * Layout: 12 fields, 120 bytes with the object header (64-bit, no pointer
 * compression), per client, whatever the traffic; the round trip is a
 * separate object from its first ping on. Its life's shard and handle are
 * copied out of the monitor's ClientHandle into the entry itself (which is
 * then the handle it heartbeats by): keeping that object cost 40 bytes per
 * client, the copy 16.
 */
export class ClientEntry implements ClientHandle {
  /** Pinged in its current silence, no answer yet (the "pinged" state in metrics). */
  pinged = false;
  /** Registration sequence, process-wide (with --threads N it orders GET /status across threads). */
  seq = 0;
  /** Sequence of its latest registration (new or again): across I/O threads, the later registration keeps the client. */
  claimSeq = 0;
  /** Its pings' round trips, from its first ping on (round-trip.ts). */
  roundTrip: RoundTrip | undefined = undefined;
  /** Its current life's shard in the monitor. */
  shard = 0;
  /** Its current life's handle in that shard (stale while `pending` is set: read `life`). */
  handle = 0;
  /** The monitor's handle itself, only while it may still resolve (LiveMonitor.finalHandles false); undefined: the entry is its own handle. */
  private pending: ClientHandle | undefined = undefined;

  constructor(
    readonly clientId: string,
    public conn: Connection,
    /** Its monitor life, as register returned it. */
    life: ClientHandle,
    /** That handle is final (LiveMonitor.finalHandles): its numbers are copied and the object dropped. */
    lifeIsFinal: boolean,
    public pingIntervalMs: number,
    /** Its timeout_ms (for the dashboard's deadlines; the monitor holds the one that counts). */
    public timeoutMs: number,
    /** Clock ms of its latest activity, for the per-connection ka_status and ping skipping. */
    public lastSeen: number,
  ) {
    this.setLife(life, lifeIsFinal);
  }

  /** The handle to heartbeat its current life by. */
  get life(): ClientHandle {
    return this.pending ?? this;
  }

  /** A new life (registered again): as the constructor's `life` and `lifeIsFinal`. */
  setLife(life: ClientHandle, lifeIsFinal: boolean): void {
    this.shard = life.shard;
    this.handle = lifeIsFinal ? life.handle : 0;
    this.pending = lifeIsFinal ? undefined : life;
  }
}

/** uWS's send() results (1 is success). */
const SEND_BACKPRESSURE = 0;
const SEND_DROPPED = 2;

/** What a connection tells of its output queue (the budget across connections, the per-connection close). */
export interface OutputWatch {
  /** uWS dropped a message: more than --max-send-buffer-bytes waits for this peer. */
  full(conn: Connection): void;
  /** A send left `bytes` queued in uWS for this peer. */
  queued(conn: Connection, bytes: number): void;
}

/**
 * A WebSocket connection and the client_ids it owns, in registration order.
 * Every write goes through `send`, which enforces the send-buffer bound.
 */
export class Connection {
  ws: WebSocket<SocketData> | undefined;
  /** The only client, when there is exactly one: any frame refreshes it. */
  sole: ClientEntry | undefined;
  /**
   * All clients by id in registration order, only while there are two or
   * more: most connections carry one client, and a Map per connection
   * would cost more than the rest of the connection's state.
   */
  private many: Map<string, ClientEntry> | undefined;
  closed = false;
  /** Set when the gateway decides to close; undefined means the peer (or uWS) closed. */
  closeReason: CloseReason | undefined;
  /** Expired client_ids not yet handed out by a ka_check on this connection. */
  private unreported: string[] | undefined;
  private nextMsgId = 0;
  /** Its identity and limits state (src/edge): the token's grant, peer address, rate bucket. */
  edge: EdgeSession | undefined;
  /** Whether it ever owned a client (the idle-connection reaper spares it then). */
  everRegistered = false;

  constructor(
    readonly id: number,
    /** Clock ms when it opened. */
    readonly openedAt: number,
    private readonly output: OutputWatch,
  ) {}

  get clientCount(): number {
    return this.many?.size ?? (this.sole === undefined ? 0 : 1);
  }

  client(clientId: string): ClientEntry | undefined {
    if (this.many !== undefined) return this.many.get(clientId);
    return this.sole?.clientId === clientId ? this.sole : undefined;
  }

  /** The clients in registration order (a copy: safe to change the connection meanwhile). */
  clientList(): ClientEntry[] {
    if (this.many !== undefined) return [...this.many.values()];
    return this.sole === undefined ? [] : [this.sole];
  }

  addClient(entry: ClientEntry): void {
    this.everRegistered = true;
    if (this.many !== undefined) {
      this.many.set(entry.clientId, entry);
    } else if (this.sole === undefined) {
      this.sole = entry;
    } else if (this.sole !== entry) {
      this.many = new Map([
        [this.sole.clientId, this.sole],
        [entry.clientId, entry],
      ]);
      this.sole = undefined;
    }
  }

  removeClient(entry: ClientEntry): void {
    if (this.many === undefined) {
      if (this.sole === entry) this.sole = undefined;
      return;
    }
    if (this.many.get(entry.clientId) !== entry) return;
    this.many.delete(entry.clientId);
    if (this.many.size === 1) {
      this.sole = this.many.values().next().value;
      this.many = undefined;
    }
  }

  recordExpiry(clientId: string, max: number): void {
    this.unreported ??= [];
    if (this.unreported.length < max) this.unreported.push(clientId);
  }

  takeExpiries(): string[] {
    const out = this.unreported ?? [];
    this.unreported = undefined;
    return out;
  }

  takeMsgId(): number {
    return this.nextMsgId++;
  }

  /** False when the connection is gone or was just closed for not reading. */
  send(text: string): boolean {
    const ws = this.ws;
    if (this.closed || ws === undefined) return false;
    // uWS drops (and reports) a message once more than maxBackpressure bytes wait.
    const result = ws.send(text, false);
    if (result === SEND_DROPPED) {
      this.output.full(this);
      return false;
    }
    if (result === SEND_BACKPRESSURE) this.output.queued(this, ws.getBufferedAmount());
    return true;
  }

  /** A WebSocket ping frame (browsers answer it with no client code); `payload` comes back in the pong. */
  ping(payload: string): void {
    if (!this.closed) this.ws?.ping(payload);
  }

  /** Several writes in one syscall, from timers (uWS corks its own callbacks). */
  cork(writes: () => void): void {
    if (!this.closed) this.ws?.cork(writes);
  }

  /**
   * Close frame + FIN. uWS runs the close handler inside end() and then
   * invalidates the JS handle, so nothing can force-close afterwards; uWS
   * itself drops a peer that never answers the close after its shortest
   * socket timeout (measured: about 3 s), so a hung peer does not linger.
   */
  close(reason: CloseReason): void {
    if (this.closed || this.ws === undefined) return;
    this.closeReason = reason;
    this.ws.end(reason.code, reason.text);
  }
}
