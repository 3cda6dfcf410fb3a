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
}
export interface CheckRequest {
  type: 'ka_check';
  currentTimeMs: number | undefined;
}
export interface StatusRequest {
  type: 'ka_status';
}
export type KeepAliveRequest = RegisterRequest | HeartbeatRequest | CheckRequest | StatusRequest;
export type KeepAliveType = KeepAliveRequest['type'];

export interface InitRequest {
  type: 'init';
  nodeId: string;
  nodeIds: string[];
}

const parsers: { readonly [T in KeepAliveType]: (body: Body) => Extract<KeepAliveRequest, { type: T }> } = {
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

/** The body's `type`, or error 12 naming `type`. */
export function requestType(body: Body): string {
  return requiredString(body, 'type');
}

export function isKeepAliveType(type: string): type is KeepAliveType {
  return Object.hasOwn(parsers, type);
}

/** Checks a keep-alive request's type (10) and fields (12). */
export function parseKeepAliveRequest(type: string, body: Body): KeepAliveRequest {
  if (!isKeepAliveType(type)) throw new ProtocolError(ErrorCode.NotSupported, `unknown message type '${type}'`);
  return parsers[type](body);
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
