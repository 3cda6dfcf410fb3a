import { encodeErrorBody, encodeReplyBody } from '../../protocol/encode.js';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import type { KeepAliveReply, KeepAliveService } from '../../protocol/keepalive-service.js';
import type { KeepAliveRequest } from '../../protocol/requests.js';
import type { ClientRegistry } from './client-registry.js';
import type { Connection } from './connection.js';
import { frameText, frameType, parseFrame, UnaddressedFrame } from './frame-parser.js';
import { matchFastRequest } from './heartbeat-fast-path.js';
import type { GatewayMetrics } from './metrics.js';
import { encodeUnaddressedError } from './notices.js';
import { pongSeq, type RoundTripMeter } from './round-trip.js';

/**
 * One WebSocket message in, at most one reply out. The frame is the
 * gateway's (text, JSON, msg_id, the error without in_reply_to); what the
 * request means is the protocol's KeepAliveService, over the connection's
 * clients (connection-clients.ts), as for the stdio node.
 */
export class RequestHandler {
  constructor(
    private readonly service: KeepAliveService<Connection>,
    private readonly registry: ClientRegistry,
    private readonly metrics: GatewayMetrics,
    /** A reply longer than this is refused with error 40 rather than queued whole for the peer. */
    private readonly maxSendBufferBytes: number,
    /** A pong frame's payload echoes a ping frame's seq: it stops that round trip's clock. */
    private readonly roundTrips: RoundTripMeter,
  ) {}

  onMessage(conn: Connection, data: ArrayBuffer, isBinary: boolean): void {
    // Alone on its connection, a client is refreshed by any frame at all.
    if (conn.sole !== undefined) this.registry.touch(conn.sole);
    let request: KeepAliveRequest;
    let msgId: number | undefined;
    try {
      const text = frameText(data, isBinary);
      // The common heartbeat and ka_pong, recognised without JSON.parse: their request is built, not parsed.
      const fast = matchFastRequest(text);
      if (fast !== undefined) {
        request = fast;
        msgId = fast.msgId;
      } else {
        const frame = parseFrame(text);
        msgId = frame.msgId;
        request = this.service.parse(frameType(frame), frame.body);
      }
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.refuse(conn, error, error instanceof UnaddressedFrame ? undefined : msgId);
      return;
    }
    try {
      if (msgId === undefined) {
        void this.service.applyUnanswered(conn, request);
        return;
      }
      const reply = this.service.apply(conn, request);
      // The gateway's book answers at once (connection-clients.ts): never a promise.
      if (reply !== undefined && !(reply instanceof Promise)) this.answer(conn, reply, msgId);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.refuse(conn, error, msgId);
    }
  }

  private answer(conn: Connection, reply: KeepAliveReply, inReplyTo: number): void {
    const text = encodeReplyBody(reply, inReplyTo, conn.takeMsgId());
    if (text.length <= this.maxSendBufferBytes) {
      conn.send(text);
      return;
    }
    // The msg_id counted for the reply not sent is not reused: the error gets the next one.
    this.refuse(conn, this.tooLarge(text.length), inReplyTo);
  }

  /** On a socket there is no stderr for the client: errors are always sent, without in_reply_to when there is no msg_id. */
  private refuse(conn: Connection, error: ProtocolError, inReplyTo: number | undefined): void {
    this.metrics.protocolError(error.code);
    const msgId = conn.takeMsgId();
    conn.send(inReplyTo === undefined ? encodeUnaddressedError(error, msgId) : encodeErrorBody(error, inReplyTo, msgId));
  }

  /**
   * uWS checks its backpressure bound before a send, so one reply of any
   * size would be queued whole (a ka_status of 100,000 clients is ~18 MB):
   * a reply over the send-buffer bound is refused instead. Replies are
   * ASCII (py-json escapes the rest), so length is bytes.
   */
  private tooLarge(length: number): ProtocolError {
    this.metrics.refused('reply_too_large');
    return new ProtocolError(
      ErrorCode.ReplyTooLarge,
      `reply of ${length} bytes exceeds the send buffer bound (${this.maxSendBufferBytes} bytes); list the clients with GET /status pages instead`,
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
}
