import type { Clock } from '../../monitor/clock.js';
import { encodeErrorBody, encodeReplyBody } from '../../protocol/encode.js';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import { clientIdField, optionalInteger, type Body } from '../../protocol/fields.js';
import { TIME_MAX_MS } from '../../protocol/limits.js';
import type { KeepAliveReply } from '../../protocol/keepalive-service.js';
import { parseKeepAliveRequest, type KeepAliveRequest } from '../../protocol/requests.js';
import type { RegisterPolicy } from '../../edge/register-policy.js';
import type { ClientRegistry } from './client-registry.js';
import { CloseReason } from './close-codes.js';
import type { ClientEntry, Connection } from './connection.js';
import { frameText, frameType, parseFrame, UnaddressedFrame, type Frame } from './frame-parser.js';
import { matchHeartbeat, matchPong, type FastHeartbeat, type FastPong } from './heartbeat-fast-path.js';
import type { GatewayMetrics } from './metrics.js';
import { encodeUnaddressedError } from './notices.js';
import { pongSeq, type RoundTripMeter } from './round-trip.js';

export interface RequestLimits {
  maxClientsPerConnection: number;
  /** Clients in the whole gateway; a register of one more is refused with error 41. */
  maxClients: number;
  /** A reply longer than this is refused with error 40 rather than queued whole for the peer. */
  maxSendBufferBytes: number;
}

/**
 * One WebSocket message in, at most one reply out. Requests act on the
 * connection's own clients: a heartbeat names a client this connection
 * registered, and ka_check / ka_status list this connection's clients
 * (the whole population is GET /status). O(1) per message except those two.
 */
export class RequestHandler {
  constructor(
    private readonly registry: ClientRegistry,
    private readonly clock: Clock,
    private readonly metrics: GatewayMetrics,
    private readonly limits: RequestLimits,
    /** The edge's say on registrations: token scope, takeover, flapping, clamps (src/edge). */
    private readonly registerPolicy: RegisterPolicy,
    /** Ping echoes (`seq` in ka_pong / ka_heartbeat, a pong frame's payload) stop its clock. */
    private readonly roundTrips: RoundTripMeter,
  ) {}

  onMessage(conn: Connection, data: ArrayBuffer, isBinary: boolean): void {
    // Alone on its connection, a client is refreshed by any frame at all.
    if (conn.sole !== undefined) this.registry.touch(conn.sole);
    let frame: Frame;
    try {
      const text = frameText(data, isBinary);
      const beat = matchHeartbeat(text);
      if (beat !== undefined && this.fastHeartbeat(conn, beat)) return;
      const pong = beat === undefined ? matchPong(text) : undefined;
      if (pong !== undefined && this.fastPong(conn, pong)) return;
      frame = parseFrame(text);
    } catch (error) {
      if (!(error instanceof UnaddressedFrame)) throw error;
      this.metrics.protocolError(error.code);
      conn.send(encodeUnaddressedError(error, conn.takeMsgId()));
      return;
    }
    try {
      const reply = this.apply(conn, frame);
      if (reply !== undefined && frame.msgId !== undefined) conn.send(this.bounded(encodeReplyBody(reply, frame.msgId, conn.takeMsgId())));
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.metrics.protocolError(error.code);
      // On a socket there is no stderr for the client: errors are always sent.
      const msgId = conn.takeMsgId();
      conn.send(frame.msgId === undefined ? encodeUnaddressedError(error, msgId) : encodeErrorBody(error, frame.msgId, msgId));
    }
  }

  /**
   * The common heartbeat, recognised without JSON.parse. False hands the
   * frame to the full path, which then answers the error (not owned).
   */
  private fastHeartbeat(conn: Connection, beat: FastHeartbeat): boolean {
    const entry = conn.client(beat.clientId);
    if (entry === undefined || (entry !== conn.sole && !this.registry.touch(entry))) return false;
    if (beat.msgId !== undefined) {
      conn.send(encodeReplyBody({ type: 'ka_heartbeat_ok', lastSeenMsAgo: 0 }, beat.msgId, conn.takeMsgId()));
    }
    return true;
  }

  /** The answer to a ka_ping (one per quiet client and interval), as the full path's ka_pong; false hands it there (not owned). */
  private fastPong(conn: Connection, pong: FastPong): boolean {
    const entry = conn.client(pong.clientId);
    if (entry === undefined || (entry !== conn.sole && !this.registry.touch(entry))) return false;
    this.echoed(entry, pong.seq);
    return true;
  }

  /**
   * uWS checks its backpressure bound before a send, so one reply of any
   * size would be queued whole (a ka_status of 100,000 clients is ~18 MB):
   * a reply over the send-buffer bound is refused instead. Replies are
   * ASCII (py-json escapes the rest), so length is bytes.
   */
  private bounded(text: string): string {
    if (text.length <= this.limits.maxSendBufferBytes) return text;
    this.metrics.refused('reply_too_large');
    throw new ProtocolError(
      ErrorCode.ReplyTooLarge,
      `reply of ${text.length} bytes exceeds the send buffer bound (${this.limits.maxSendBufferBytes} bytes); list the clients with GET /status pages instead`,
    );
  }

  /** One peer must not be able to fill the process: the global cap, counted and refused without a close. */
  private atCapacity(): ProtocolError {
    this.metrics.refused('clients_full');
    return new ProtocolError(
      ErrorCode.ClientCapacity,
      `the gateway holds its maximum of ${this.limits.maxClients} clients (--max-clients); retry later or on another gateway`,
    );
  }

  /** A WebSocket ping frame from the peer: activity of a lone client (uWS answers it). */
  onPingFrame(conn: Connection): void {
    if (conn.sole !== undefined) this.registry.touch(conn.sole);
  }

  /** A WebSocket pong frame: activity of a lone client, and the round trip of the ping frame whose payload it echoes. */
  onPongFrame(conn: Connection, payload: ArrayBuffer): void {
    const sole = conn.sole;
    if (sole === undefined || !this.registry.touch(sole)) return;
    const seq = pongSeq(payload);
    if (!Number.isNaN(seq)) this.roundTrips.answered(sole, seq, 'frame');
  }

  private apply(conn: Connection, frame: Frame): KeepAliveReply | undefined {
    const type = frameType(frame);
    if (type === 'ka_pong') {
      // The answer to a ka_ping: a heartbeat that is never answered itself.
      const clientId = clientIdField(frame.body);
      const seq = echoedSeq(frame.body);
      this.echoed(this.heartbeat(conn, clientId), seq);
      return undefined;
    }
    const request = parseKeepAliveRequest(type, frame.body);
    // A ka_check nobody will read must not hand out (and so lose) the queued expiries.
    if (request.type === 'ka_check' && frame.msgId === undefined) return undefined;
    // A heartbeat may echo a ka_ping's seq too (a gateway field: the stdio node never pings).
    return this.applyRequest(conn, request, request.type === 'ka_heartbeat' ? echoedSeq(frame.body) : undefined);
  }

  private applyRequest(conn: Connection, request: KeepAliveRequest, seq: number | undefined): KeepAliveReply | undefined {
    switch (request.type) {
      case 'ka_register':
        if (conn.clientCount >= this.limits.maxClientsPerConnection && this.registry.addsTo(conn, request.clientId)) {
          conn.close(CloseReason.TooManyClients);
          return undefined;
        }
        if (this.registry.full && this.registry.get(request.clientId) === undefined) throw this.atCapacity();
        {
          const granted = this.registerPolicy.admit(conn, request);
          this.registry.register(conn, request.clientId, granted);
          return { type: 'ka_register_ok', granted };
        }
      case 'ka_heartbeat':
        this.echoed(this.heartbeat(conn, request.clientId), seq);
        return { type: 'ka_heartbeat_ok', lastSeenMsAgo: 0 };
      case 'ka_check':
        // current_time_ms is validated but not obeyed: a client must not move a server's real clock.
        return { type: 'ka_check_ok', expired: conn.takeExpiries(), active: conn.clientList().map((entry) => entry.clientId) };
      case 'ka_status':
        return { type: 'ka_status_ok', connections: this.statusOf(conn) };
    }
  }

  private heartbeat(conn: Connection, clientId: string): ClientEntry {
    const entry = conn.client(clientId);
    // A lone client was already refreshed by the frame itself (onMessage).
    if (entry === undefined || (entry !== conn.sole && !this.registry.touch(entry))) throw notOwned(clientId);
    return entry;
  }

  private echoed(entry: ClientEntry, seq: number | undefined): void {
    if (seq !== undefined) this.roundTrips.answered(entry, seq, 'message');
  }

  private statusOf(conn: Connection): { clientId: string; lastSeenMsAgo: number; status: 'active' }[] {
    const now = this.clock.now();
    const out = [];
    for (const entry of conn.clientList()) out.push(statusEntry(entry, now));
    return out;
  }
}

function statusEntry(entry: ClientEntry, now: number): { clientId: string; lastSeenMsAgo: number; status: 'active' } {
  return { clientId: entry.clientId, lastSeenMsAgo: Math.max(0, now - entry.lastSeen), status: 'active' };
}

/** `seq` of a ka_pong / ka_heartbeat: absent, or a whole number (error 12 otherwise, before anything changes). */
function echoedSeq(body: Body): number | undefined {
  return optionalInteger(body, 'seq', 0, TIME_MAX_MS);
}

function notOwned(clientId: string): ProtocolError {
  return new ProtocolError(
    ErrorCode.PreconditionFailed,
    `client_id '${clientId}' is not registered on this connection, or has expired`,
  );
}
