/** Maelstrom's error codes, the ones the keep-alive protocol uses. */
export const ErrorCode = {
  NotSupported: 10,
  TemporarilyUnavailable: 11,
  MalformedRequest: 12,
  PreconditionFailed: 20,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A request the protocol rejects; it changes nothing. */
export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    text: string,
  ) {
    super(text);
  }
}

export const notInitialised = (): ProtocolError =>
  new ProtocolError(ErrorCode.TemporarilyUnavailable, 'not initialised: send init first');
