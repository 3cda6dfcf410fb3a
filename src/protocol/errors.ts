import { StacklessError } from './stackless-error.js';

/** Maelstrom's error codes, the ones the keep-alive protocol uses. */
export const ErrorCode = {
  NotSupported: 10,
  TemporarilyUnavailable: 11,
  MalformedRequest: 12,
  PreconditionFailed: 20,
  /** Gateway with --auth jwt: the connection's token does not cover this client_id. */
  NotPermitted: 30,
  /** Gateway with --takeover reject: the client_id is held by another connection. */
  ClientIdHeld: 31,
  /** Gateway: the client_id was registered too often lately (flapping); retry later. */
  RegisteringTooOften: 32,
  /** Gateway: the connection sends faster than --max-message-rate; messages are being dropped. */
  RateLimited: 33,
  /** Gateway: a reply larger than the connection's send-buffer bound (refused, not queued). */
  ReplyTooLarge: 40,
  /** Gateway: a ka_register of a new client_id while --max-clients are registered (refused, not queued). */
  ClientCapacity: 41,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A request the protocol rejects; it changes nothing. Stackless: it is a reply, not a bug. */
export class ProtocolError extends StacklessError {
  constructor(
    readonly code: ErrorCode,
    text: string,
  ) {
    super(text);
  }
}

export const notInitialised = (): ProtocolError =>
  new ProtocolError(ErrorCode.TemporarilyUnavailable, 'not initialised: send init first');
