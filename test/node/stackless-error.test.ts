import { describe, expect, it } from 'vitest';
import { ErrorCode, ProtocolError } from '../../src/protocol/errors.js';
import { MalformedLine } from '../../src/transports/node/envelope.js';

describe('errors on the hot path capture no stack', () => {
  it('ProtocolError and MalformedLine: no stack frames, message and code kept, Error.stackTraceLimit restored', () => {
    const limit = Error.stackTraceLimit;
    const rejected = new ProtocolError(ErrorCode.PreconditionFailed, "client_id 'x' is not registered or has expired");
    const dropped = new MalformedLine('not JSON');
    for (const error of [rejected, dropped]) {
      expect(error).toBeInstanceOf(Error);
      expect(error.stack ?? '').not.toMatch(/\n\s+at /);
    }
    expect(rejected.code).toBe(20);
    expect(rejected.message).toBe("client_id 'x' is not registered or has expired");
    expect(Error.stackTraceLimit).toBe(limit);
    // Other errors still get their stack (the limit was only lowered around the constructor).
    expect(new Error('bug').stack).toMatch(/\n\s+at /);
  });
});
