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
const HEARTBEAT = /^\{"type": ?"ka_heartbeat", ?"client_id": ?"([ !#-[\]-~]{1,256})"(?:, ?"msg_id": ?(0|[1-9]\d{0,14}))?\}$/;
const PONG = /^\{"type": ?"ka_pong", ?"client_id": ?"([ !#-[\]-~]{1,256})"(?:, ?"seq": ?(0|[1-9]\d{0,14}))?\}$/;

export interface FastHeartbeat {
  clientId: string;
  msgId: number | undefined;
}

export interface FastPong {
  clientId: string;
  /** The ka_ping's seq it echoes, if any. */
  seq: number | undefined;
}

export function matchHeartbeat(text: string): FastHeartbeat | undefined {
  const m = HEARTBEAT.exec(text);
  if (m === null) return undefined;
  return { clientId: m[1], msgId: m[2] === undefined ? undefined : Number(m[2]) };
}

export function matchPong(text: string): FastPong | undefined {
  const m = PONG.exec(text);
  if (m === null) return undefined;
  return { clientId: m[1], seq: m[2] === undefined ? undefined : Number(m[2]) };
}
