import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import { isBody, isWholeIn, type Body } from '../../protocol/fields.js';
import { TIME_MAX_MS } from '../../protocol/limits.js';
import { requestType } from '../../protocol/requests.js';

/** A WebSocket message that is a JSON object with a usable msg_id (or none). */
export interface Frame {
  body: Body;
  msgId: number | undefined;
}

/** A frame refused before it had a msg_id to answer: the error carries none. */
export class UnaddressedFrame extends ProtocolError {}

const malformed = (text: string): UnaddressedFrame => new UnaddressedFrame(ErrorCode.MalformedRequest, text);

/**
 * Decodes straight from uWS's ArrayBuffer (no Buffer view made per frame,
 * as Buffer.from(data).toString() would). ignoreBOM: a leading U+FEFF stays
 * in the text, as Buffer's decoding keeps it (and JSON.parse refuses it).
 */
const UTF8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** A frame's text; a binary frame is error 12. */
export function frameText(data: ArrayBuffer, isBinary: boolean): string {
  if (isBinary) throw malformed('binary frames are not supported: send each request as a JSON text frame');
  // uWS has already refused text frames that are not valid UTF-8.
  return UTF8.decode(data);
}

/** Text -> JSON object with a valid msg_id (or none); anything else is error 12. */
export function parseFrame(text: string): Frame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw malformed('invalid JSON');
  }
  if (!isBody(value)) throw malformed('a request must be a JSON object');
  if (!Object.hasOwn(value, 'msg_id')) return { body: value, msgId: undefined };
  const msgId = value.msg_id;
  if (!isWholeIn(msgId, 0, TIME_MAX_MS)) throw malformed("field 'msg_id' must be an integer >= 0");
  return { body: value, msgId: msgId + 0 };
}

/** The frame's type, or error 12 naming `type` (answerable: the msg_id is known). */
export function frameType(frame: Frame): string {
  return requestType(frame.body);
}
