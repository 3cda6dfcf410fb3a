import { CLIENT_ID_MAX_BYTES } from '../../protocol/limits.js';
import { PLAIN_CHAR, SAFE_WHOLE } from '../../protocol/plain-json.js';
import type { HeartbeatRequest, PongRequest } from '../../protocol/requests.js';

/**
 * The frames a client sends most, recognised by one regex each instead of
 * JSON.parse and the field checks:
 * `{"type": "ka_heartbeat", "client_id": "X"}`, optionally with `"msg_id": N`
 * last, and the answer to a ka_ping, `{"type": "ka_pong", "client_id": "X"}`,
 * optionally with `"seq": N` last; in the two usual spacings (JSON.stringify's
 * and Python's). The id must be printable ASCII without `"` or `\`, 1 to 256
 * chars (so at most 256 UTF-8 bytes): exactly the ids the full path would
 * accept from this text unchanged. Numbers have at most 15 digits, so they
 * are exact and within TIME_MAX_MS, as the full path requires. Anything
 * else takes the full path.
 */

/** `{"type": "<type>", "client_id": "<plain id>"}` with an optional last number field `<last>`: captures id, number. */
const frameOf = (type: string, last: string): RegExp =>
  new RegExp(`^\\{"type": ?"${type}", ?"client_id": ?"(${PLAIN_CHAR}{1,${CLIENT_ID_MAX_BYTES}})"(?:, ?"${last}": ?${SAFE_WHOLE})?\\}$`);
const HEARTBEAT = frameOf('ka_heartbeat', 'msg_id');
const PONG = frameOf('ka_pong', 'seq');

/**
 * The request parseKeepAliveRequest would build from such a frame in the
 * gateway's dialect (a heartbeat without `seq`, a ka_pong with or without),
 * with the frame's msg_id (a ka_pong's is absent): one object.
 */
export type FastRequest = (HeartbeatRequest | PongRequest) & { msgId: number | undefined };

/** The frame's request if it is one of the two shapes above; undefined: take the full path. */
export function matchFastRequest(text: string): FastRequest | undefined {
  let m = HEARTBEAT.exec(text);
  if (m !== null) return { type: 'ka_heartbeat', clientId: m[1], msgId: m[2] === undefined ? undefined : Number(m[2]) };
  m = PONG.exec(text);
  if (m !== null) return { type: 'ka_pong', clientId: m[1], seq: m[2] === undefined ? undefined : Number(m[2]), msgId: undefined };
  return undefined;
}
