import { isBody, isWholeIn, type Body } from '../../protocol/fields.js';
import type { KeepAliveRequest } from '../../protocol/requests.js';
import { StacklessError } from '../../protocol/stackless-error.js';

/** A Maelstrom message whose envelope is sound; its body is still unchecked. */
export interface Envelope {
  src: string;
  /** The request's `dest` if it is a string, else "" (used as `src` before init). */
  dest: string;
  body: Body;
  /**
   * The request's msg_id, or undefined for fire and forget. A bigint when
   * the line's integer literal is beyond 2^53: echoed digit for digit, as
   * Python (which parses it exactly) does.
   */
  msgId: number | bigint | undefined;
  /** The body as a checked request, when the fast path could build it (flat-envelope.ts). */
  request?: KeepAliveRequest;
}

/** Why a line is dropped without a reply (spec: stderr only, state unchanged). Stackless: it is a diagnostic, not a bug. */
export class MalformedLine extends StacklessError {}

export function parseEnvelope(text: string): Envelope {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch (error) {
    throw new MalformedLine(`not JSON (${(error as Error).message})`);
  }
  if (!isBody(message)) throw new MalformedLine('not a JSON object');
  const { src, dest, body } = message;
  if (!isBody(body)) throw new MalformedLine("no object 'body'");
  if (typeof src !== 'string') throw new MalformedLine("no string 'src'");
  let msgId: number | bigint | undefined;
  if (Object.hasOwn(body, 'msg_id')) {
    if (!isWholeIn(body.msg_id, 0, Infinity)) throw new MalformedLine("'msg_id' is not an integer >= 0");
    msgId = Number.isSafeInteger(body.msg_id) ? body.msg_id + 0 : exactInteger(text, body.msg_id);
  }
  return { src, dest: typeof dest === 'string' ? dest : '', body, msgId };
}

const MSG_ID_INTEGER_LITERAL = /"msg_id"[ \t\r]*:[ \t\r]*([0-9]+)(?=[ \t\r]*[,}])/g;

/**
 * The exact value of a msg_id whose integer literal JSON.parse rounded.
 * A literal with a fraction or exponent is a float to Python too, so the
 * rounded value is right for it; so it is when the literal cannot be told
 * apart (two different "msg_id" literals rounding to the same value).
 */
function exactInteger(text: string, rounded: number): number | bigint {
  let exact: bigint | undefined;
  for (const [, digits] of text.matchAll(MSG_ID_INTEGER_LITERAL)) {
    if (Number(digits) !== rounded) continue;
    const value = BigInt(digits);
    if (exact !== undefined && exact !== value) return rounded;
    exact = value;
  }
  return exact ?? rounded;
}
