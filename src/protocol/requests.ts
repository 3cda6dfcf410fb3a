import { ErrorCode, ProtocolError } from './errors.js';
import { clientIdField, optionalInteger, requiredString, type Body } from './fields.js';
import { DURATION_MAX_MS, TIME_MAX_MS } from './limits.js';

export interface RegisterRequest {
  type: 'ka_register';
  clientId: string;
  timeoutMs: number | undefined;
  pingIntervalMs: number | undefined;
}
export interface HeartbeatRequest {
  type: 'ka_heartbeat';
  clientId: string;
  /** The `seq` of the ka_ping it answers (a server that pings only; the stdio node never reads it). */
  seq?: number;
}
export interface CheckRequest {
  type: 'ka_check';
  currentTimeMs: number | undefined;
}
export interface StatusRequest {
  type: 'ka_status';
}
/** The answer to a ka_ping (a server that pings only): a heartbeat that is never answered itself. */
export interface PongRequest {
  type: 'ka_pong';
  clientId: string;
  seq: number | undefined;
}
export type KeepAliveRequest = RegisterRequest | HeartbeatRequest | CheckRequest | StatusRequest | PongRequest;
export type KeepAliveType = KeepAliveRequest['type'];

export interface InitRequest {
  type: 'init';
  nodeId: string;
  nodeIds: string[];
}

type Parsers = { readonly [T in KeepAliveType]?: (body: Body) => Extract<KeepAliveRequest, { type: T }> };

/**
 * Each type's fields, checked in the order written here: the first wrong
 * field is the one the error names (test/node/errors.test.ts).
 */
const SPEC_REQUESTS: Parsers = {
  ka_register: (body) => ({
    type: 'ka_register',
    clientId: clientIdField(body),
    timeoutMs: optionalInteger(body, 'timeout_ms', 1, DURATION_MAX_MS),
    pingIntervalMs: optionalInteger(body, 'ping_interval_ms', 1, DURATION_MAX_MS),
  }),
  ka_heartbeat: (body) => ({ type: 'ka_heartbeat', clientId: clientIdField(body) }),
  ka_check: (body) => ({ type: 'ka_check', currentTimeMs: optionalInteger(body, 'current_time_ms', 0, TIME_MAX_MS) }),
  ka_status: () => ({ type: 'ka_status' }),
};

/** A server that pings (the gateway) also knows ka_pong, and reads the echoed `seq` of a heartbeat. */
const PINGING_REQUESTS: Parsers = {
  ...SPEC_REQUESTS,
  ka_heartbeat: (body) => ({ type: 'ka_heartbeat', clientId: clientIdField(body), seq: echoedSeq(body) }),
  ka_pong: (body) => ({ type: 'ka_pong', clientId: clientIdField(body), seq: echoedSeq(body) }),
};

/** `seq` echoing a ka_ping: absent, or a whole number (error 12 otherwise, before anything changes). */
function echoedSeq(body: Body): number | undefined {
  return optionalInteger(body, 'seq', 0, TIME_MAX_MS);
}

/** The body's `type`, or error 12 naming `type`. */
export function requestType(body: Body): string {
  return requiredString(body, 'type');
}

/**
 * Checks a keep-alive request's type (10) and fields (12). `pings`: the
 * dialect of a server that pings (ka_pong, `seq`); the stdio node's has
 * neither, so its answers stay the spec's byte for byte.
 */
export function parseKeepAliveRequest(type: string, body: Body, pings = false): KeepAliveRequest {
  const parsers = pings ? PINGING_REQUESTS : SPEC_REQUESTS;
  const parse = Object.hasOwn(parsers, type) ? parsers[type as KeepAliveType] : undefined;
  if (parse === undefined) throw new ProtocolError(ErrorCode.NotSupported, `unknown message type '${type}'`);
  return parse(body);
}

export function parseInit(body: Body): InitRequest {
  const nodeId = requiredString(body, 'node_id');
  if (nodeId.length === 0) throw new ProtocolError(ErrorCode.MalformedRequest, "field 'node_id' must be a non-empty string");
  const nodeIds = body.node_ids;
  if (!Array.isArray(nodeIds) || !nodeIds.every((id) => typeof id === 'string')) {
    throw new ProtocolError(ErrorCode.MalformedRequest, "field 'node_ids' must be an array of strings");
  }
  return { type: 'init', nodeId, nodeIds: nodeIds as string[] };
}
