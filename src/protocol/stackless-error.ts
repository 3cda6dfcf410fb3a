/**
 * An Error that captures no stack trace. For errors that are answers, not
 * bugs: a rejected request (ProtocolError) or a dropped input line
 * (MalformedLine) is thrown on the hot path, caught a frame or two up and
 * turned into a reply or a diagnostic; nobody reads its stack. Capturing
 * one costs microseconds per throw (a stack walk and the frames kept alive),
 * which showed up in the stdio node's profile on traffic with a few percent
 * of heartbeats for unknown clients.
 */
export class StacklessError extends Error {
  constructor(message: string) {
    // V8 captures the stack in Error's constructor, up to Error.stackTraceLimit frames.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(message);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}
