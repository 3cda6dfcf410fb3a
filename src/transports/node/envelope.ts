import { isBody, isWholeIn, type Body } from '../../protocol/fields.js';

/** A Maelstrom message whose envelope is sound; its body is still unchecked. */
export interface Envelope {
  src: string;
  /** The request's `dest` if it is a string, else "" (used as `src` before init). */
  dest: string;
  body: Body;
  /** The request's msg_id, or undefined for fire and forget. */
  msgId: number | undefined;
}

/** Why a line is dropped without a reply (spec: stderr only, state unchanged). */
export class MalformedLine extends Error {}

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
  let msgId: number | undefined;
  if (Object.hasOwn(body, 'msg_id')) {
    if (!isWholeIn(body.msg_id, 0, Infinity)) throw new MalformedLine("'msg_id' is not an integer >= 0");
    msgId = body.msg_id + 0;
  }
  return { src, dest: typeof dest === 'string' ? dest : '', body, msgId };
}
