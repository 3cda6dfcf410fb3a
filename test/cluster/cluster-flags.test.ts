import { describe, expect, it } from 'vitest';
import { parseServeArgs, ServeUsageError } from '../../src/transports/gateway/serve-args.js';

const parse = (...args: string[]) => {
  const parsed = parseServeArgs(args, {});
  if (parsed.help) throw new Error('help');
  return parsed.options.cluster;
};

describe('cluster flags of keepwatch serve', () => {
  it('no --redis: the gateway runs alone', () => {
    expect(parse()).toBeUndefined();
  });

  it('--redis URL and --redis-cluster seeds, with the default lease timings', () => {
    expect(parse('--redis', 'redis://127.0.0.1:6390', '--node-id', 'gw-1')).toMatchObject({
      redis: { kind: 'standalone', url: 'redis://127.0.0.1:6390' },
      nodeId: 'gw-1',
      leaseMs: 3000,
      renewMs: 500,
      reapCheckMs: 100,
    });
    expect(parse('--redis-cluster', '127.0.0.1:7000,localhost:7001')?.redis).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '127.0.0.1', port: 7000 },
        { host: 'localhost', port: 7001 },
      ],
    });
  });

  it.each([
    [['--redis', 'http://x'], /redis:\/\/ URL/],
    [['--redis', 'not a url'], /redis:\/\/ URL/],
    [['--redis-cluster', '127.0.0.1'], /HOST:PORT/],
    [['--redis-cluster', '127.0.0.1:0'], /HOST:PORT/],
    [['--redis', 'redis://h:1', '--redis-cluster', 'h:2'], /exclusive/],
    [['--node-id', 'x'], /need --redis/],
    [['--redis', 'redis://h:1', '--node-id', 'has space'], /--node-id/],
    [['--redis', 'redis://h:1', '--cluster-lease-ms', '10'], /300\.\.600000/],
    // Decimal digits only, as every flag (src/protocol/decimal-whole.ts): Number() would take these.
    [['--redis', 'redis://h:1', '--cluster-lease-ms', '1e3'], /300\.\.600000/],
    [['--redis', 'redis://h:1', '--cluster-lease-ms', '0x400'], /300\.\.600000/],
  ])('%j is a usage error', (args, message) => {
    expect(() => parse(...args)).toThrow(ServeUsageError);
    expect(() => parse(...args)).toThrow(message);
  });
});
