import type { ProtocolError } from './errors.js';
import { HEARTBEAT_OK, type KeepAliveReply } from './keepalive-service.js';
import { pyInteger, pyString, pyStringArray } from './py-json.js';

/**
 * The heartbeat reply's body around its two numbers:
 * HEARTBEAT_OK_HEAD + in_reply_to + HEARTBEAT_OK_MIDDLE + msg_id + '}'
 * (the stdio node writes it as bytes from these: reply-bytes.ts).
 */
export const HEARTBEAT_OK_HEAD = '{"type": "ka_heartbeat_ok", "in_reply_to": ';
export const HEARTBEAT_OK_MIDDLE = ', "last_seen_ms_ago": 0, "msg_id": ';

/**
 * The stdio node's registration reply's body (no settings stated) around
 * its two numbers: REGISTER_OK_HEAD + in_reply_to + MSG_ID_MIDDLE + msg_id
 * + '}', as encodeReplyBody writes it (the node writes it as bytes).
 */
export const REGISTER_OK_HEAD = '{"type": "ka_register_ok", "in_reply_to": ';
export const MSG_ID_MIDDLE = ', "msg_id": ';

/**
 * Reply bodies as Python-style JSON text, keys in the protocol's order:
 * `type`, `in_reply_to`, the type's own fields, `msg_id` last. Written
 * by hand rather than through a generic encoder: check and status replies
 * list every live client, and this is the stdio node's hot path.
 */
export function encodeReplyBody(
  reply: KeepAliveReply | { type: 'init_ok' },
  inReplyTo: number | bigint,
  msgId: number,
): string {
  // Every heartbeat's reply: one template over constants.
  if (reply === HEARTBEAT_OK) return `${HEARTBEAT_OK_HEAD}${pyInteger(inReplyTo)}${HEARTBEAT_OK_MIDDLE}${msgId}}`;
  return `{"type": "${reply.type}", "in_reply_to": ${pyInteger(inReplyTo)}${replyFields(reply)}${MSG_ID_MIDDLE}${msgId}}`;
}

export function encodeErrorBody(error: ProtocolError, inReplyTo: number | bigint, msgId: number): string {
  return (
    `{"type": "error", "in_reply_to": ${pyInteger(inReplyTo)}, "code": ${error.code}, ` +
    `"text": ${pyString(error.message)}, "msg_id": ${msgId}}`
  );
}

function replyFields(reply: KeepAliveReply | { type: 'init_ok' }): string {
  switch (reply.type) {
    case 'ka_register_ok':
      // Only the gateway states what it granted; the stdio node's reply stays the seed's.
      return reply.granted === undefined ? '' : `, "timeout_ms": ${reply.granted.timeoutMs}, "ping_interval_ms": ${reply.granted.pingIntervalMs}`;
    case 'ka_heartbeat_ok':
      return `, "last_seen_ms_ago": ${pyInteger(reply.lastSeenMsAgo)}`;
    case 'ka_check_ok':
      return `, "expired": ${pyStringArray(reply.expired)}, "active": ${pyStringArray(reply.active)}`;
    case 'ka_status_ok':
      return `, "connections": ${encodeConnections(reply)}`;
    default:
      return '';
  }
}

function encodeConnections(reply: Extract<KeepAliveReply, { type: 'ka_status_ok' }>): string {
  const parts = reply.connections.map((c) => `{${statusEntryFields(c.clientId, c.lastSeenMsAgo, c.status)}}`);
  return '[' + parts.join(', ') + ']';
}

/** A status entry's fields without its braces: ka_status's entry whole, the start of a GET /status row (which adds its own). */
export function statusEntryFields(clientId: string, lastSeenMsAgo: number, status: string): string {
  return `"client_id": ${pyString(clientId)}, "last_seen_ms_ago": ${pyInteger(lastSeenMsAgo)}, "status": "${status}"`;
}
