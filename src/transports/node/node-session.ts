import { encodeErrorBody, encodeReplyBody } from '../../protocol/encode.js';
import { notInitialised, ProtocolError } from '../../protocol/errors.js';
import type { KeepAliveService } from '../../protocol/keepalive-service.js';
import { pyString } from '../../protocol/py-json.js';
import { parseInit, parseKeepAliveRequest, requestType } from '../../protocol/requests.js';
import { MalformedLine, parseEnvelope, type Envelope } from './envelope.js';

export interface NodeOutput {
  /** One reply line for stdout (no newline). */
  reply(line: string): void;
  /** One diagnostic line for stderr (no newline). */
  diagnose(text: string): void;
}

/**
 * The stdio node's state machine: one input line in, at most one reply out.
 * Holds what the protocol says a node holds: its id (after init) and its
 * msg_id counter; the clients are the service's monitor.
 */
export class NodeSession {
  private nodeId: string | undefined;
  private nextMsgId = 0;
  private lineNo = 0;

  constructor(
    private readonly service: KeepAliveService,
    private readonly out: NodeOutput,
  ) {}

  handleLine(text: string): void {
    this.lineNo++;
    let envelope: Envelope;
    try {
      envelope = parseEnvelope(text);
    } catch (error) {
      if (!(error instanceof MalformedLine)) throw error;
      this.out.diagnose(`line ${this.lineNo}: ignored: ${error.message}`);
      return;
    }
    try {
      this.dispatch(envelope);
    } catch (error) {
      if (error instanceof ProtocolError) this.answerError(envelope, error);
      else this.out.diagnose(`line ${this.lineNo}: internal error: ${(error as Error).stack ?? String(error)}`);
    }
  }

  /** A line refused before it could be parsed. */
  rejectLine(reason: string): void {
    this.lineNo++;
    this.out.diagnose(`line ${this.lineNo}: ignored: ${reason}`);
  }

  private dispatch(envelope: Envelope): void {
    const { body } = envelope;
    const type = requestType(body);
    if (type === 'init') {
      const init = parseInit(body);
      this.nodeId = init.nodeId;
      this.answer(envelope, (msgId, inReplyTo) => encodeReplyBody({ type: 'init_ok' }, inReplyTo, msgId));
      return;
    }
    if (this.nodeId === undefined) throw notInitialised();
    const request = parseKeepAliveRequest(type, body);
    if (envelope.msgId === undefined) {
      this.service.applyUnanswered(request);
      return;
    }
    const reply = this.service.apply(request);
    this.answer(envelope, (msgId, inReplyTo) => encodeReplyBody(reply, inReplyTo, msgId));
  }

  private answerError(envelope: Envelope, error: ProtocolError): void {
    if (envelope.msgId === undefined) {
      this.out.diagnose(`line ${this.lineNo}: error ${error.code} (no msg_id, not answered): ${error.message}`);
      return;
    }
    this.answer(envelope, (msgId, inReplyTo) => encodeErrorBody(error, inReplyTo, msgId));
  }

  private answer(envelope: Envelope, body: (msgId: number, inReplyTo: number) => string): void {
    if (envelope.msgId === undefined) return;
    const src = this.nodeId ?? envelope.dest;
    this.out.reply(`{"src": ${pyString(src)}, "dest": ${pyString(envelope.src)}, "body": ${body(this.nextMsgId++, envelope.msgId)}}`);
  }
}
