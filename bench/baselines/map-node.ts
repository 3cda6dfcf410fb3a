/**
 * The straightforward keep-alive node the throughput bench compares with:
 * the same protocol (spec section 1) on a plain Map in registration order,
 * scanned in full at every ka_check. Written the way a careful developer
 * would write it in an afternoon: JSON.parse per line, a switch on type,
 * replies formatted Python-style. Its output on the bench input must be
 * byte-identical to keepwatch's (the bench checks).
 */
import { pyInteger, pyString, pyStringArray } from '../../src/protocol/py-json.js';
import { serveLines } from './serve-lines.js';

interface Client {
  lastSeen: number;
  timeoutMs: number;
}
type Body = Record<string, unknown>;
interface Message {
  src: string;
  dest?: unknown;
  body: Body;
}

const clients = new Map<string, Client>();
/** Expired by fire-and-forget checks, reported by the next answered check. */
let unreported: string[] = [];
let now = 0;
let nodeId: string | undefined;
let nextMsgId = 0;

class Rejection extends Error {
  constructor(
    readonly code: number,
    text: string,
  ) {
    super(text);
  }
}

const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

function optionalInt(body: Body, field: string, min: number, max: number): number | undefined {
  if (!(field in body)) return undefined;
  const v = body[field];
  if (!isInt(v, min, max)) throw new Rejection(12, `field '${field}' must be an integer in ${min}..${max}`);
  return v + 0;
}

function clientId(body: Body): string {
  const id = body.client_id;
  if (typeof id !== 'string' || id.length === 0 || Buffer.byteLength(id) > 256) {
    throw new Rejection(12, "field 'client_id' must be a string of 1 to 256 UTF-8 bytes");
  }
  return id;
}

/** Removes every client silent for more than its timeout, in registration order. */
function sweep(): string[] {
  const expired: string[] = [];
  for (const [id, c] of clients) {
    if (now - c.lastSeen > c.timeoutMs) {
      clients.delete(id);
      expired.push(id);
    }
  }
  return expired;
}

/** The reply body's fields after in_reply_to (empty for a bare *_ok). */
function apply(type: string, body: Body, answered: boolean): string {
  switch (type) {
    case 'ka_register': {
      const id = clientId(body);
      const timeoutMs = optionalInt(body, 'timeout_ms', 1, 2 ** 31 - 1) ?? 30_000;
      optionalInt(body, 'ping_interval_ms', 1, 2 ** 31 - 1);
      const live = clients.get(id);
      if (live) {
        live.lastSeen = now;
        live.timeoutMs = timeoutMs;
      } else clients.set(id, { lastSeen: now, timeoutMs });
      return '';
    }
    case 'ka_heartbeat': {
      const c = clients.get(clientId(body));
      if (!c) throw new Rejection(20, `client_id '${String(body.client_id)}' is not registered or has expired`);
      c.lastSeen = now;
      return ', "last_seen_ms_ago": 0';
    }
    case 'ka_check': {
      const t = optionalInt(body, 'current_time_ms', 0, Number.MAX_SAFE_INTEGER);
      if (t !== undefined && t > now) now = t;
      unreported.push(...sweep());
      if (!answered) return '';
      const expired = unreported;
      unreported = [];
      return `, "expired": ${pyStringArray(expired)}, "active": ${pyStringArray([...clients.keys()])}`;
    }
    case 'ka_status': {
      const parts: string[] = [];
      for (const [id, c] of clients) {
        parts.push(`{"client_id": ${pyString(id)}, "last_seen_ms_ago": ${pyInteger(now - c.lastSeen)}, "status": "active"}`);
      }
      return `, "connections": [${parts.join(', ')}]`;
    }
    default:
      throw new Rejection(10, `unknown message type '${type}'`);
  }
}

function handle(line: string, replies: string[]): void {
  let msg: Message;
  try {
    msg = JSON.parse(line) as Message;
  } catch {
    process.stderr.write('ignored: not JSON\n');
    return;
  }
  if (typeof msg !== 'object' || msg === null || typeof msg.body !== 'object' || msg.body === null || typeof msg.src !== 'string') {
    process.stderr.write('ignored: not a message\n');
    return;
  }
  const body = msg.body;
  const msgId = body.msg_id;
  if (msgId !== undefined && !isInt(msgId, 0, Infinity)) return;
  const answered = msgId !== undefined;
  const inReplyTo = answered ? pyInteger(msgId) : '';
  const src = (): string => nodeId ?? (typeof msg.dest === 'string' ? msg.dest : '');
  let reply: string;
  try {
    const type = body.type;
    if (typeof type !== 'string') throw new Rejection(12, "missing field 'type'");
    if (type === 'init') {
      if (typeof body.node_id !== 'string' || body.node_id.length === 0) throw new Rejection(12, "field 'node_id' must be a non-empty string");
      nodeId = body.node_id;
      reply = `{"type": "init_ok", "in_reply_to": ${inReplyTo}`;
    } else {
      if (nodeId === undefined) throw new Rejection(11, 'not initialised');
      const fields = apply(type, body, answered);
      reply = `{"type": "${type}_ok", "in_reply_to": ${inReplyTo}${fields}`;
    }
  } catch (error) {
    if (!(error instanceof Rejection)) throw error;
    reply = `{"type": "error", "in_reply_to": ${inReplyTo}, "code": ${error.code}, "text": ${pyString(error.message)}`;
  }
  if (!answered) return;
  replies.push(`{"src": ${pyString(src())}, "dest": ${pyString(msg.src)}, "body": ${reply}, "msg_id": ${nextMsgId++}}}`);
}

await serveLines(handle);
