import type { Body } from '../../protocol/fields.js';
import { CLIENT_ID_MAX_BYTES } from '../../protocol/limits.js';
import { PLAIN_CHAR, SAFE_WHOLE } from '../../protocol/plain-json.js';
import type { KeepAliveRequest } from '../../protocol/requests.js';
import type { Envelope } from './envelope.js';

/**
 * The stdio node's fast path for its hottest lines: heartbeats and
 * registrations of the shape
 *   {"src":"c1","dest":"n1","body":{"type":"ka_heartbeat","client_id":"a","msg_id":7}}
 * (body keys type, client_id, msg_id, with msg_id second or third), and
 * the fire-and-forget heartbeat without msg_id (body keys type, client_id).
 * JSON.parse of such a line is most of the node's time (measured: ~1 µs a
 * line against ~0.2 µs for one compiled regular expression here, and it
 * builds objects that die at once).
 *
 * The patterns accept a strict subset of JSON whose meaning is unambiguous,
 * so whatever they match, `parseEnvelope(text)` would return the same
 * envelope (test/node/flat-envelope.test.ts checks this on random lines);
 * anything else returns undefined and takes JSON.parse's path:
 *   - whitespace: spaces only (compact and Python-style separators);
 *   - strings: printable ASCII (0x20-0x7e) without `"` or `\`, so the text
 *     between the quotes is the value (no escapes to decode);
 *   - msg_id: 0 or up to 15 digits without a leading zero, fraction or
 *     exponent, so the value is exact (below 2^53) and whole;
 *   - exactly these keys, each once (no duplicate for JSON.parse to resolve).
 */
const STR = `"(${PLAIN_CHAR}*)"`;
const INT = SAFE_WHOLE;
const key = (name: string): string => ` *"${name}" *: *`;
const envelopeAround = (bodyPairs: string): RegExp =>
  new RegExp(`^ *\\{${key('src')}${STR} *,${key('dest')}${STR} *,${key('body')}\\{${bodyPairs} *\\} *\\} *$`);

/** Captures: src, dest, type, client_id, msg_id. */
const CLIENT_ID_THEN_MSG_ID = envelopeAround(`${key('type')}${STR} *,${key('client_id')}${STR} *,${key('msg_id')}${INT}`);
/** Captures: src, dest, type, msg_id, client_id. */
const MSG_ID_THEN_CLIENT_ID = envelopeAround(`${key('type')}${STR} *,${key('msg_id')}${INT} *,${key('client_id')}${STR}`);
/** Captures: src, dest, type, client_id (fire and forget). */
const NO_MSG_ID = envelopeAround(`${key('type')}${STR} *,${key('client_id')}${STR}`);

function envelope(src: string, dest: string, type: string, clientId: string, msgIdText: string | undefined): Envelope {
  const msgId = msgIdText === undefined ? undefined : Number(msgIdText);
  const body: Body = msgId === undefined ? { type, client_id: clientId } : { type, client_id: clientId, msg_id: msgId };
  const request = hotRequest(type, clientId);
  return request ? { src, dest, body, msgId, request } : { src, dest, body, msgId };
}

/**
 * The request parseKeepAliveRequest would build from such a body, for the
 * two types whose fields the pattern holds entirely; undefined when a field
 * check could fail (the full path then reports it). The id is ASCII, so its
 * length is its UTF-8 byte count.
 */
function hotRequest(type: string, clientId: string): KeepAliveRequest | undefined {
  if (clientId.length === 0 || clientId.length > CLIENT_ID_MAX_BYTES) return undefined;
  if (type === 'ka_heartbeat') return { type, clientId };
  if (type === 'ka_register') return { type, clientId, timeoutMs: undefined, pingIntervalMs: undefined };
  return undefined;
}

/** The envelope of a line of the hot shape, or undefined (use parseEnvelope). */
export function parseFlatEnvelope(text: string): Envelope | undefined {
  let m = CLIENT_ID_THEN_MSG_ID.exec(text);
  if (m !== null) return envelope(m[1], m[2], m[3], m[4], m[5]);
  m = MSG_ID_THEN_CLIENT_ID.exec(text);
  if (m !== null) return envelope(m[1], m[2], m[3], m[5], m[4]);
  m = NO_MSG_ID.exec(text);
  if (m !== null) return envelope(m[1], m[2], m[3], m[4], undefined);
  return undefined;
}
