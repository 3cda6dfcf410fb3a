import type { CheckResult, ClientStatus } from '../monitor/monitor.js';
import { ErrorCode, ProtocolError } from './errors.js';
import type { Body } from './fields.js';
import { parseKeepAliveRequest, type KeepAliveRequest, type RegisterRequest } from './requests.js';

/** The settings a server granted a registration (stated in its ka_register_ok). */
export interface Granted {
  timeoutMs: number;
  pingIntervalMs: number;
}

export type KeepAliveReply =
  | { type: 'ka_register_ok'; granted?: Granted }
  | { type: 'ka_heartbeat_ok'; lastSeenMsAgo: number }
  | { type: 'ka_check_ok'; expired: string[]; active: string[] }
  | { type: 'ka_status_ok'; connections: ClientStatus[] };

// The two hot replies never vary (last_seen_ms_ago is measured after the reset): one object each.
const REGISTER_OK: KeepAliveReply = Object.freeze({ type: 'ka_register_ok' });
export const HEARTBEAT_OK: KeepAliveReply = Object.freeze({ type: 'ka_heartbeat_ok', lastSeenMsAgo: 0 });

/** A registration accepted with the settings asked for: the reply states none (the stdio node's, as the spec's). */
export const AS_ASKED = 'as-asked';
/** The transport closed the scope instead of answering (the gateway's per-connection cap): no reply. */
export const SCOPE_CLOSED = 'scope-closed';
/** What a registration came to: the settings granted (stated in the reply), or one of the two above. */
export type Registration = Granted | typeof AS_ASKED | typeof SCOPE_CLOSED;

/**
 * Where a transport keeps its clients: what the requests act on. `Scope`
 * is what a request is applied within: the gateway's connection (a
 * connection owns the clients it registered), nothing for the stdio node
 * (one monitor). check and status may answer later (worker shards).
 */
export interface ClientBook<Scope> {
  /** Registers (again) or throws the ProtocolError of a refusal that changes nothing. */
  register(scope: Scope, request: RegisterRequest): Registration;
  /** Refreshes a client of the scope; false if it has none by that id (unknown, expired, or another scope's). */
  heartbeat(scope: Scope, clientId: string, seq: number | undefined): boolean;
  /**
   * heartbeat() without a seq of the id whose characters are bytes[start,
   * end), all ASCII, without making its string (the stdio node's flat
   * lines). Optional: a book without it is given the string.
   */
  heartbeatAscii?(scope: Scope, bytes: Uint8Array, start: number, end: number): boolean;
  /**
   * A hint before heartbeatAscii of a batch of ids (the i-th at
   * bytes[starts[i], ends[i])): brings what their lookups read into cache
   * together. Changes nothing. Optional.
   */
  prefetchAscii?(scope: Scope, bytes: Uint8Array, starts: Int32Array, ends: Int32Array, count: number): void;
  /** The expiries not yet handed out (handed out now) and the live clients. */
  check(scope: Scope, currentTimeMs: number | undefined): CheckResult | Promise<CheckResult>;
  /** A check nobody reads: the same effects on time and expiry, but the expiries stay queued for the next check. */
  sweep(scope: Scope, currentTimeMs: number | undefined): void | Promise<void>;
  status(scope: Scope): ClientStatus[] | Promise<ClientStatus[]>;
}

export interface ServiceDialect {
  /** A server that pings: ka_pong and a heartbeat's `seq` are requests (requests.ts). */
  pings: boolean;
  /** Where a client must be registered for a heartbeat, named in error 20's text ('this connection'). */
  scopeName?: string;
}

/** A reply now, later (check/status on worker shards), or none (ka_pong; the scope was closed). */
export type ServiceAnswer = KeepAliveReply | Promise<KeepAliveReply> | undefined;

/**
 * The keep-alive protocol's meaning, one place for every transport (the
 * stdio node, the gateway on each of its I/O threads): which fields a
 * request has and in which order they are checked (requests.ts), what it
 * does to the clients, which error code a refusal carries, what the reply
 * says, and what a request without msg_id (no reply) still does. The
 * transport owns the envelope (lines, frames, msg_id) and the clients
 * (its ClientBook). Throws ProtocolError; a refused request changes nothing.
 */
export class KeepAliveService<Scope> {
  constructor(
    readonly book: ClientBook<Scope>,
    private readonly dialect: ServiceDialect = { pings: false },
  ) {}

  /** type (10) then fields (12), in the dialect. */
  parse(type: string, body: Body): KeepAliveRequest {
    return parseKeepAliveRequest(type, body, this.dialect.pings);
  }

  /** A request whose reply will be read. */
  apply(scope: Scope, request: KeepAliveRequest): ServiceAnswer {
    switch (request.type) {
      case 'ka_register':
        return registered(this.book.register(scope, request));
      case 'ka_heartbeat':
        return this.heartbeat(scope, request.clientId, request.seq);
      case 'ka_pong':
        this.heartbeat(scope, request.clientId, request.seq);
        return undefined;
      case 'ka_check':
        return then(this.book.check(scope, request.currentTimeMs), checked);
      case 'ka_status':
        return then(this.book.status(scope), listed);
    }
  }

  /**
   * A request nobody will read the reply of (fire and forget). It has the
   * same effects, but a check must not hand out the queued expiries: they
   * wait for the next check that gets a reply.
   */
  applyUnanswered(scope: Scope, request: KeepAliveRequest): void | Promise<void> {
    if (request.type === 'ka_check') return this.book.sweep(scope, request.currentTimeMs);
    const answer = this.apply(scope, request);
    if (answer instanceof Promise) return answer.then(() => undefined);
  }

  /**
   * A ka_heartbeat (apply's), for a transport that read its client_id
   * without building the request (the stdio node's flat lines).
   */
  heartbeat(scope: Scope, clientId: string, seq: number | undefined): typeof HEARTBEAT_OK {
    if (!this.book.heartbeat(scope, clientId, seq)) throw this.unknownClient(clientId);
    return HEARTBEAT_OK;
  }

  /** heartbeat() without a seq, of the id whose characters are bytes[start, end), all ASCII (ClientBook.heartbeatAscii). */
  heartbeatAscii(scope: Scope, bytes: Uint8Array, start: number, end: number): typeof HEARTBEAT_OK {
    if (this.book.heartbeatAscii === undefined) return this.heartbeat(scope, asciiText(bytes, start, end), undefined);
    if (!this.book.heartbeatAscii(scope, bytes, start, end)) throw this.unknownClient(asciiText(bytes, start, end));
    return HEARTBEAT_OK;
  }

  /** ClientBook.prefetchAscii, when the book has it: a hint, changes nothing. */
  prefetchAscii(scope: Scope, bytes: Uint8Array, starts: Int32Array, ends: Int32Array, count: number): void {
    this.book.prefetchAscii?.(scope, bytes, starts, ends, count);
  }

  private unknownClient(clientId: string): ProtocolError {
    const where = this.dialect.scopeName === undefined ? '' : ` on ${this.dialect.scopeName},`;
    return new ProtocolError(ErrorCode.PreconditionFailed, `client_id '${clientId}' is not registered${where} or has expired`);
  }
}

const asciiText = (bytes: Uint8Array, start: number, end: number): string => Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');

function registered(registration: Registration): KeepAliveReply | undefined {
  if (registration === AS_ASKED) return REGISTER_OK;
  if (registration === SCOPE_CLOSED) return undefined;
  return { type: 'ka_register_ok', granted: registration };
}

const checked = (result: CheckResult): KeepAliveReply => ({ type: 'ka_check_ok', expired: result.expired, active: result.active });
const listed = (connections: ClientStatus[]): KeepAliveReply => ({ type: 'ka_status_ok', connections });

/** `f` of a value now, or of a promised one later. */
function then<T>(value: T | Promise<T>, f: (value: T) => KeepAliveReply): KeepAliveReply | Promise<KeepAliveReply> {
  return value instanceof Promise ? value.then(f) : f(value);
}
