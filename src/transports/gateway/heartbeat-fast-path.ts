/**
 * The frame a client sends most: `{"type": "ka_heartbeat", "client_id": "X"}`,
 * optionally with `"msg_id": N` last, in the two usual spacings (JSON.stringify's
 * and Python's). Recognised by one regex instead of JSON.parse and the field
 * checks. The id must be printable ASCII without `"` or `\`, 1 to 256 chars
 * (so at most 256 UTF-8 bytes): exactly the ids the full path would accept
 * from this text unchanged. Anything else takes the full path.
 */
const HEARTBEAT = /^\{"type": ?"ka_heartbeat", ?"client_id": ?"([ !#-[\]-~]{1,256})"(?:, ?"msg_id": ?(0|[1-9]\d{0,14}))?\}$/;

export interface FastHeartbeat {
  clientId: string;
  msgId: number | undefined;
}

export function matchHeartbeat(text: string): FastHeartbeat | undefined {
  const m = HEARTBEAT.exec(text);
  if (m === null) return undefined;
  return { clientId: m[1], msgId: m[2] === undefined ? undefined : Number(m[2]) };
}
