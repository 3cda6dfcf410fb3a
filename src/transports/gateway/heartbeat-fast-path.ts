import { CLIENT_ID_MAX_BYTES } from '../../protocol/limits.js';
import { PLAIN_CHAR, SAFE_WHOLE } from '../../protocol/plain-json.js';
import type { HeartbeatRequest } from '../../protocol/requests.js';

/**
 * The frame a client sends most: `{"type": "ka_heartbeat", "client_id": "X"}`,
 * optionally with `"msg_id": N` last, in the two usual spacings (JSON.stringify's
 * and Python's). Recognised by one regex instead of JSON.parse and the field
 * checks. The id must be printable ASCII without `"` or `\`, 1 to 256 chars
 * (so at most 256 UTF-8 bytes): exactly the ids the full path would accept
 * from this text unchanged. Anything else takes the full path.
 */
const HEARTBEAT = new RegExp(
  `^\\{"type": ?"ka_heartbeat", ?"client_id": ?"(${PLAIN_CHAR}{1,${CLIENT_ID_MAX_BYTES}})"(?:, ?"msg_id": ?${SAFE_WHOLE})?\\}$`,
);

/** The request parseKeepAliveRequest would build from such a frame (no `seq`), with the frame's msg_id: one object. */
export interface FastHeartbeat extends HeartbeatRequest {
  msgId: number | undefined;
}

export function matchHeartbeat(text: string): FastHeartbeat | undefined {
  const m = HEARTBEAT.exec(text);
  if (m === null) return undefined;
  return { type: 'ka_heartbeat', clientId: m[1], msgId: m[2] === undefined ? undefined : Number(m[2]) };
}
