import { encodeErrorBody, encodeReplyBody, HEARTBEAT_OK_HEAD, HEARTBEAT_OK_MIDDLE, MSG_ID_MIDDLE, REGISTER_OK_HEAD } from '../../protocol/encode.js';
import { notInitialised, ProtocolError } from '../../protocol/errors.js';
import { HEARTBEAT_OK, type KeepAliveReply, type KeepAliveService, type ServiceAnswer } from '../../protocol/keepalive-service.js';
import { pyInteger, pyString } from '../../protocol/py-json.js';
import { parseInit, requestType, type RegisterRequest } from '../../protocol/requests.js';
import { MalformedLine, parseEnvelope, type Envelope } from './envelope.js';
import { FlatLine, flatEnvelope, flatIdFits, flatRegisterRequest, KA_HEARTBEAT, KA_REGISTER, NO_MSG_ID } from './flat-envelope.js';
import { LinesAhead } from './lines-ahead.js';
import { asciiBytes, type ReplyBytes } from './reply-bytes.js';

const CONTROL_CHARS = /[\u0000-\u001f\u007f]/g;

const INIT_OK = { type: 'init_ok' } as const;

// The constant parts of a reply line, as bytes (see writeHead and writeHeartbeatOkRest).
const SRC_KEY = asciiBytes('{"src": ');
const DEST_KEY = asciiBytes(', "dest": ');
const BODY_KEY = asciiBytes(', "body": ');
/** After a plain `dest` written without its quotes: the closing quote, the body key and the heartbeat reply's start. */
const PLAIN_DEST_END_HEARTBEAT_OK = asciiBytes(`", "body": ${HEARTBEAT_OK_HEAD}`);
/** The same before a registration's plain acknowledgement (encodeReplyBody's). */
const PLAIN_DEST_END_REGISTER_OK = asciiBytes(`", "body": ${REGISTER_OK_HEAD}`);
const HEARTBEAT_OK_OPEN = asciiBytes(HEARTBEAT_OK_HEAD);
const HEARTBEAT_OK_BETWEEN = asciiBytes(HEARTBEAT_OK_MIDDLE);
const BODY_AND_LINE_CLOSE = asciiBytes('}}');
const CHECK_OK_OPEN = asciiBytes('{"type": "ka_check_ok", "in_reply_to": ');
const EXPIRED_KEY = asciiBytes(', "expired": ');
const ACTIVE_KEY = asciiBytes(', "active": ');
const MSG_ID_KEY = asciiBytes(MSG_ID_MIDDLE);
const STATUS_OK_OPEN = asciiBytes('{"type": "ka_status_ok", "in_reply_to": ');
const CONNECTIONS_KEY = asciiBytes(', "connections": [');
// A status entry: statusEntryFields (protocol/encode.ts) in braces.
const ENTRY_OPEN = asciiBytes('{"client_id": ');
const NEXT_ENTRY_OPEN = asciiBytes(', {"client_id": ');
const LAST_SEEN_KEY = asciiBytes(', "last_seen_ms_ago": ');
const STATUS_KEY = asciiBytes(', "status": ');
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

type CheckOk = Extract<KeepAliveReply, { type: 'ka_check_ok' }>;
type StatusOk = Extract<KeepAliveReply, { type: 'ka_status_ok' }>;

/** A reply line's start up to the opening quote of a plain `dest`: `{"src": "n1", "dest": "`. */
const headBefore = (nodeId: string): Uint8Array => asciiBytes(`{"src": ${pyString(nodeId)}, "dest": "`);

export interface NodeOutput {
  /** Where reply lines for stdout are written, each ended by a newline. */
  readonly replies: ReplyBytes;
  /** One diagnostic line for stderr (no newline). */
  diagnose(text: string): void;
}

/**
 * The stdio node's state machine: one input line in, at most one reply out.
 * Holds what the protocol says a node holds: its id (after init) and its
 * msg_id counter. What a request means is the service's (shared with the
 * gateway); its clients are a monitor in process (MonitorClients) or on
 * worker shards (LiveMonitorClients), whose check and status answer later:
 * the caller feeds the next line only once a returned promise has settled,
 * so replies keep the order of the requests.
 */
export class NodeSession {
  private nodeId: string | undefined;
  /** headBefore(nodeId), once initialised. */
  private head: Uint8Array | undefined;
  private nextMsgId = 0;
  private lineNo = 0;
  /** The last line the flat scanner read (reused: the hot path allocates no envelope). */
  private readonly flat = new FlatLine();
  /** The lines of the batch `prepareLines` scanned ahead, in the order `handleLine` will get them (see there). */
  private readonly ahead = new LinesAhead();

  constructor(
    private readonly service: KeepAliveService<void>,
    private readonly out: NodeOutput,
  ) {}

  /**
   * The line bytes[start, end) (valid UTF-8, no line end; read before this
   * returns). A promise when the reply comes later: feed no other line
   * before it settles.
   */
  handleLine(bytes: Buffer, start: number, end: number): void | Promise<void> {
    this.lineNo++;
    let flat = this.ahead.take(bytes, start, end);
    let isFlat: boolean;
    if (flat !== undefined) isFlat = this.ahead.tookFlat;
    else {
      flat = this.flat;
      isFlat = flat.scan(bytes, start, end);
    }
    let envelope: Envelope;
    if (isFlat) {
      // Most lines: a heartbeat once initialised (the other checks keep their order in dispatch).
      if (this.head !== undefined && flat.typeIs(KA_HEARTBEAT) && flatIdFits(flat)) {
        this.flatHeartbeat(flat, this.head);
        return;
      }
      // A registration to acknowledge: no envelope, and a reply of bytes (9% of a realistic input's lines).
      if (this.head !== undefined && flat.msgId !== NO_MSG_ID && flat.typeIs(KA_REGISTER)) {
        const request = flatRegisterRequest(flat);
        if (request !== undefined) return this.flatRegister(flat, request, this.head);
      }
      envelope = flatEnvelope(flat);
    } else {
      try {
        envelope = parseEnvelope(bytes.toString('utf8', start, end));
      } catch (error) {
        if (!(error instanceof MalformedLine)) throw error;
        this.diagnose(`line ${this.lineNo}: ignored: ${error.message}`);
        return;
      }
    }
    try {
      const later = this.dispatch(envelope);
      if (later) return later.catch((error: unknown) => this.fail(envelope, error));
    } catch (error) {
      this.fail(envelope, error);
    }
  }

  /**
   * The lines the next handleLine calls will get (the i-th is
   * bytes[starts[i], ends[i])), before the first of them (LineSink.prepare):
   * scans them all, then has the clients read what the flat heartbeats'
   * lookups will read, for the whole batch at once (ClientBook.prefetchAscii:
   * on a random-order input each lookup is mostly cache misses, and
   * together they overlap). Changes nothing: a line handled otherwise (a
   * copy, out of order) is scanned again when it comes.
   */
  prepareLines(bytes: Buffer, starts: Int32Array, ends: Int32Array, count: number): void {
    const ahead = this.ahead;
    ahead.scan(bytes, starts, ends, count);
    if (ahead.ids > 0) this.service.prefetchAscii(undefined, bytes, ahead.idStarts, ahead.idEnds, ahead.ids);
  }

  /**
   * A flat heartbeat: dispatch's heartbeat without an envelope or request;
   * the reply's dest is copied from the line (a flat src is plain, written
   * as it stands).
   */
  private flatHeartbeat(flat: FlatLine, head: Uint8Array): void {
    try {
      this.service.heartbeatAscii(undefined, flat.bytes, flat.idStart, flat.idEnd);
    } catch (error) {
      this.fail(flatEnvelope(flat), error);
      return;
    }
    if (flat.msgId === NO_MSG_ID) return;
    const out = this.out.replies;
    out.constant(head);
    out.bytes(flat.bytes, flat.srcStart, flat.srcEnd);
    out.constant(PLAIN_DEST_END_HEARTBEAT_OK);
    this.writeHeartbeatOkRest(flat.msgId, this.nextMsgId++);
  }

  /**
   * A flat registration with a msg_id: dispatch's, without an envelope;
   * the plain acknowledgement (what the stdio node's clients give) is
   * written as bytes (encodeReplyBody's text), the dest copied from the
   * line. Any other answer takes the general writer.
   */
  private flatRegister(flat: FlatLine, request: RegisterRequest, head: Uint8Array): void | Promise<void> {
    let reply: ServiceAnswer;
    try {
      reply = this.service.apply(undefined, request);
    } catch (error) {
      this.fail(flatEnvelope(flat), error);
      return;
    }
    if (reply === undefined || reply instanceof Promise || reply.type !== 'ka_register_ok' || reply.granted !== undefined) {
      const envelope = flatEnvelope(flat);
      if (!(reply instanceof Promise)) return reply && this.answerReply(envelope, reply);
      return reply.then((later) => this.answerReply(envelope, later)).catch((error: unknown) => this.fail(envelope, error));
    }
    const out = this.out.replies;
    out.constant(head);
    out.bytes(flat.bytes, flat.srcStart, flat.srcEnd);
    out.constant(PLAIN_DEST_END_REGISTER_OK);
    out.integer(flat.msgId);
    out.constant(MSG_ID_KEY);
    out.integer(this.nextMsgId++);
    out.constant(BODY_AND_LINE_CLOSE);
    out.endLine();
  }

  private fail(envelope: Envelope, error: unknown): void {
    if (error instanceof ProtocolError) this.answerError(envelope, error);
    else this.diagnose(`line ${this.lineNo}: internal error: ${(error as Error).stack ?? String(error)}`);
  }

  /** A line refused before it could be parsed. */
  rejectLine(reason: string): void {
    this.lineNo++;
    this.diagnose(`line ${this.lineNo}: ignored: ${reason}`);
  }

  /** One stderr line: control characters from the input (or a stack) are escaped. */
  private diagnose(text: string): void {
    this.out.diagnose(text.replace(CONTROL_CHARS, (c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0')));
  }

  private dispatch(envelope: Envelope): void | Promise<void> {
    const { body, request: parsed } = envelope;
    // The fast path hands over heartbeats and registrations already parsed; the checks keep their order.
    const type = parsed ? parsed.type : requestType(body);
    if (type === 'init') {
      const init = parseInit(body);
      this.nodeId = init.nodeId;
      this.head = headBefore(init.nodeId);
      this.answerReply(envelope, INIT_OK);
      return;
    }
    if (this.nodeId === undefined) throw notInitialised();
    const request = parsed ?? this.service.parse(type, body);
    if (envelope.msgId === undefined) return this.service.applyUnanswered(undefined, request);
    const reply = this.service.apply(undefined, request);
    if (reply instanceof Promise) return reply.then((later) => this.answerReply(envelope, later));
    if (reply !== undefined) this.answerReply(envelope, reply);
  }

  private answerReply(envelope: Envelope, reply: KeepAliveReply | typeof INIT_OK): void {
    const inReplyTo = envelope.msgId;
    if (inReplyTo === undefined) return;
    const msgId = this.nextMsgId++;
    if (reply.type === 'ka_check_ok') {
      this.writeCheckOk(envelope, reply, inReplyTo, msgId);
      return;
    }
    if (reply.type === 'ka_status_ok') {
      this.writeStatusOk(envelope, reply, inReplyTo, msgId);
      return;
    }
    if (reply !== HEARTBEAT_OK) {
      this.send(envelope, encodeReplyBody(reply, inReplyTo, msgId));
      return;
    }
    // encodeReplyBody's heartbeat text written straight into the reply bytes, no string built.
    this.writeHead(envelope).constant(HEARTBEAT_OK_OPEN);
    if (typeof inReplyTo === 'number' && Number.isSafeInteger(inReplyTo)) {
      this.writeHeartbeatOkRest(inReplyTo, msgId);
      return;
    }
    this.out.replies.ascii(pyInteger(inReplyTo));
    this.writeHeartbeatOkEnd(msgId);
  }

  /** A heartbeat reply from its in_reply_to on (`msgId`: this reply's own, already counted). */
  private writeHeartbeatOkRest(inReplyTo: number, msgId: number): void {
    this.out.replies.integer(inReplyTo);
    this.writeHeartbeatOkEnd(msgId);
  }

  private writeHeartbeatOkEnd(msgId: number): void {
    const out = this.out.replies;
    out.constant(HEARTBEAT_OK_BETWEEN);
    out.integer(msgId);
    out.constant(BODY_AND_LINE_CLOSE);
    out.endLine();
  }

  /**
   * encodeReplyBody's ka_check_ok written straight into the reply bytes: a
   * check lists every live client, and building that as one string (then
   * flattening and copying it) was most of a check's cost.
   */
  private writeCheckOk(envelope: Envelope, reply: CheckOk, inReplyTo: number | bigint, msgId: number): void {
    const out = this.writeHead(envelope);
    out.constant(CHECK_OK_OPEN);
    out.ascii(pyInteger(inReplyTo));
    out.constant(EXPIRED_KEY);
    out.pyStringList(reply.expired);
    out.constant(ACTIVE_KEY);
    out.pyStringList(reply.active);
    out.constant(MSG_ID_KEY);
    out.integer(msgId);
    out.constant(BODY_AND_LINE_CLOSE);
    out.endLine();
  }

  /**
   * encodeReplyBody's ka_status_ok written straight into the reply bytes:
   * as a string (a string per client, joined, then copied) a status of
   * 100,000 clients cost ~0.2 s and as much again in garbage collection.
   */
  private writeStatusOk(envelope: Envelope, reply: StatusOk, inReplyTo: number | bigint, msgId: number): void {
    const out = this.writeHead(envelope);
    out.constant(STATUS_OK_OPEN);
    out.ascii(pyInteger(inReplyTo));
    out.constant(CONNECTIONS_KEY);
    const connections = reply.connections;
    for (let i = 0; i < connections.length; i++) {
      const c = connections[i];
      out.constant(i === 0 ? ENTRY_OPEN : NEXT_ENTRY_OPEN);
      out.pyString(c.clientId);
      out.constant(LAST_SEEN_KEY);
      out.integer(c.lastSeenMsAgo);
      out.constant(STATUS_KEY);
      out.pyString(c.status);
      out.byte(CLOSE_BRACE);
    }
    out.byte(CLOSE_BRACKET);
    out.constant(MSG_ID_KEY);
    out.integer(msgId);
    out.constant(BODY_AND_LINE_CLOSE);
    out.endLine();
  }

  private answerError(envelope: Envelope, error: ProtocolError): void {
    const inReplyTo = envelope.msgId;
    if (inReplyTo === undefined) {
      this.diagnose(`line ${this.lineNo}: error ${error.code} (no msg_id, not answered): ${error.message}`);
      return;
    }
    this.send(envelope, encodeErrorBody(error, inReplyTo, this.nextMsgId++));
  }

  /** Writes a reply line around an encoded body (whose msg_id is already counted). */
  private send(envelope: Envelope, body: string): void {
    const out = this.writeHead(envelope);
    out.ascii(body);
    out.ascii('}');
    out.endLine();
  }

  /** Writes a reply line's `{"src": .., "dest": .., "body": `; returns where it went. */
  private writeHead(envelope: Envelope): ReplyBytes {
    const out = this.out.replies;
    out.constant(SRC_KEY);
    out.pyString(this.nodeId ?? envelope.dest);
    out.constant(DEST_KEY);
    out.pyString(envelope.src);
    out.constant(BODY_KEY);
    return out;
  }
}
