import type { ProtocolError } from '../../protocol/errors.js';
import { pyString } from '../../protocol/py-json.js';

/**
 * Messages the gateway sends that answer no request: `ka_ping`,
 * `ka_expired`, `ka_moved`. No msg_id: they are not replies, and the
 * per-connection msg_id counter numbers replies only.
 */
export type NoticeType = 'ka_expired' | 'ka_moved';

/** A ping carries its sequence number; a ka_pong (or ka_heartbeat) echoing it measures the round trip. */
export function encodePing(clientId: string, seq: number): string {
  return `{"type": "ka_ping", "client_id": ${pyString(clientId)}, "seq": ${seq}}`;
}

export function encodeNotice(type: NoticeType, clientId: string): string {
  return `{"type": "${type}", "client_id": ${pyString(clientId)}}`;
}

/** An error for a frame that had no usable msg_id: there is nothing to put in in_reply_to. */
export function encodeUnaddressedError(error: ProtocolError, msgId: number): string {
  return `{"type": "error", "code": ${error.code}, "text": ${pyString(error.message)}, "msg_id": ${msgId}}`;
}
