#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { runNode } from '../transports/node/run-node.js';

const USAGE = `keepwatch: an application-level keep-alive monitor

Usage:
  keepwatch node [options]     the keep-alive protocol on stdin/stdout (Maelstrom style)
  keepwatch serve [options]    the WebSocket gateway (uWebSockets.js): pings, expiry, HTTP status/metrics
  keepwatch --help             this text; 'keepwatch <command> --help' for a command
`;

const NODE_USAGE = `keepwatch node: the keep-alive protocol on stdin/stdout

One JSON message per line in, one reply per line out (Python json.dumps
style), diagnostics on stderr. Exits 0 at the end of input.

Options:
  --shards N               shards the clients are hashed over (default 1)
  --workers W              worker threads that sweep and list the shards
                           (piscina pool; default 0: all in this thread).
                           Same replies, byte for byte
  --clock virtual|real     virtual: time moves only with ka_check's
                           current_time_ms (default); real: monotonic ms since
                           start, never less than the latest current_time_ms
  -h, --help               this text
`;

class UsageError extends Error {}

function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be an integer >= 1, got '${value}'`);
  return n;
}

function workerCount(value: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) {
    throw new UsageError(`--workers must be an integer >= 0, got '${value}'`);
  }
  return n;
}

async function nodeCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      shards: { type: 'string' },
      workers: { type: 'string' },
      clock: { type: 'string', default: 'virtual' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(NODE_USAGE);
    return;
  }
  const clock = values.clock;
  if (clock !== 'virtual' && clock !== 'real') throw new UsageError(`--clock must be 'virtual' or 'real', got '${clock}'`);
  const workers = workerCount(values.workers);
  await runNode({ shards: positiveInteger('shards', values.shards, 1), workers, clock });
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'node':
      return nodeCommand(rest);
    case 'serve':
      // Loaded on demand: the stdio node needs none of uWS, pino, prom-client.
      return (await import('../transports/gateway/serve-command.js')).serveCommand(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return;
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`keepwatch: ${(error as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  process.stderr.write(`keepwatch: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
