import { encodeErrorBody, encodeReplyBody, HEARTBEAT_OK_HEAD, HEARTBEAT_OK_MIDDLE } from '../../protocol/encode.js';
import { notInitialised, ProtocolError } from '../../protocol/errors.js';
import { HEARTBEAT_OK, type KeepAliveReply, type KeepAliveService } from '../../protocol/keepalive-service.js';
import { pyInteger } from '../../protocol/py-json.js';
import { parseInit, requestType } from '../../protocol/requests.js';
import { MalformedLine, parseEnvelope, type Envelope } from './envelope.js';
import { parseFlatEnvelope } from './flat-envelope.js';
import { asciiBytes, type ReplyBytes } from './reply-bytes.js';

const CONTROL_CHARS = /[\u0000-\u001f\u007f]/g;

const INIT_OK = { type: 'init_ok' } as const;

// The constant parts of a reply line, as bytes (see writeHead and answerReply).
const SRC_KEY = asciiBytes('{"src": ');
const DEST_KEY = asciiBytes(', "dest": ');
const BODY_KEY = asciiBytes(', "body": ');
const HEARTBEAT_OK_OPEN = asciiBytes(HEARTBEAT_OK_HEAD);
const HEARTBEAT_OK_BETWEEN = asciiBytes(HEARTBEAT_OK_MIDDLE);
const BODY_AND_LINE_CLOSE = asciiBytes('}}');

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
  private nextMsgId = 0;
  private lineNo = 0;

  constructor(
    private readonly service: KeepAliveService<void>,
    private readonly out: NodeOutput,
  ) {}

  /** A promise when the reply comes later: feed no other line before it settles. */
  handleLine(text: string): void | Promise<void> {
    this.lineNo++;
    let envelope: Envelope;
    try {
      envelope = parseFlatEnvelope(text) ?? parseEnvelope(text);
    } catch (error) {
      if (!(error instanceof MalformedLine)) throw error;
      this.diagnose(`line ${this.lineNo}: ignored: ${error.message}`);
      return;
    }
    try {
      const later = this.dispatch(envelope);
      if (later) return later.catch((error: unknown) => this.fail(envelope, error));
    } catch (error) {
      this.fail(envelope, error);
    }
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
    if (reply !== HEARTBEAT_OK) {
      this.send(envelope, encodeReplyBody(reply, inReplyTo, msgId));
      return;
    }
    // Most lines: encodeReplyBody's heartbeat text written straight into the reply bytes, no string built.
    const out = this.writeHead(envelope);
    out.constant(HEARTBEAT_OK_OPEN);
    if (typeof inReplyTo === 'number' && Number.isSafeInteger(inReplyTo)) out.integer(inReplyTo);
    else out.ascii(pyInteger(inReplyTo));
    out.constant(HEARTBEAT_OK_BETWEEN);
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
