import { ErrorCode, ProtocolError } from './errors.js';
import { CLIENT_ID_MAX_BYTES } from './limits.js';

/** A parsed JSON object whose fields are still unchecked. */
export type Body = { readonly [key: string]: unknown };

export function isBody(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const malformed = (text: string): ProtocolError => new ProtocolError(ErrorCode.MalformedRequest, text);

/** A whole number (30000.0 and 3e4 count) in [min, max]; `null` is not a number. */
export function isWholeIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

export function requiredString(body: Body, field: string): string {
  const value = body[field];
  if (!Object.hasOwn(body, field)) throw malformed(`missing field '${field}'`);
  if (typeof value !== 'string') throw malformed(`field '${field}' must be a string`);
  return value;
}

export function clientIdField(body: Body): string {
  const id = requiredString(body, 'client_id');
  // A UTF-16 unit is at most 3 UTF-8 bytes: short ids need no count.
  if (id.length === 0 || (id.length * 3 > CLIENT_ID_MAX_BYTES && Buffer.byteLength(id) > CLIENT_ID_MAX_BYTES)) {
    throw malformed(`field 'client_id' must be a string of 1 to ${CLIENT_ID_MAX_BYTES} UTF-8 bytes`);
  }
  return id;
}

/** An optional integer field: absent -> undefined; present -> checked. */
export function optionalInteger(body: Body, field: string, min: number, max: number): number | undefined {
  if (!Object.hasOwn(body, field)) return undefined;
  const value = body[field];
  if (!isWholeIn(value, min, max)) throw malformed(`field '${field}' must be an integer in ${min}..${max}`);
  return value + 0; // -0 -> 0
}
