#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { FlagError, integerFlag, parseFlags } from './parse-flags.js';
import { MAX_SHARDS, MAX_WORKERS } from '../monitor/live-monitor-bounds.js';
import { runNode } from '../transports/node/run-node.js';

const USAGE = `keepwatch: an application-level keep-alive monitor

Usage:
  keepwatch node [options]     the keep-alive protocol on stdin/stdout (Maelstrom style)
  keepwatch serve [options]    the WebSocket gateway (uWebSockets.js): pings, expiry, HTTP status/metrics
  keepwatch --version          the installed version
  keepwatch --help             this text; 'keepwatch <command> --help' for a command
`;

const NODE_USAGE = `keepwatch node: the keep-alive protocol on stdin/stdout

One JSON message per line in, one reply per line out (Python json.dumps
style), diagnostics on stderr. Exits 0 at the end of input.

Usage:
  keepwatch node [options] < requests.jsonl

Options:
  --shards N               shards the clients are hashed over (1..1024,
                           default 1)
  --workers W              worker threads that sweep and list the shards
                           (piscina pool; 0..256, default 0: all in this
                           thread). Same replies, byte for byte
  --clock virtual|real     virtual: time moves only with ka_check's
                           current_time_ms (default); real: monotonic ms since
                           start, never less than the latest current_time_ms
  -h, --help               this text
`;

/** A command line that cannot run; `usage` is the text that says how it should look. */
class UsageError extends Error {
  constructor(message: string, readonly usage: string = USAGE) {
    super(message);
  }
}

/** The version in the package.json this file was installed with (dist/src/cli/ -> package root). */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

async function nodeCommand(args: string[]): Promise<void> {
  const values = parseFlags(args, {
    shards: { type: 'string' },
    workers: { type: 'string' },
    clock: { type: 'string', default: 'virtual' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(NODE_USAGE);
    return;
  }
  const clock = values.clock;
  if (clock !== 'virtual' && clock !== 'real') throw new UsageError(`--clock must be 'virtual' or 'real', got '${clock}'`);
  const shards = integerFlag('shards', values.shards, 1, 1, MAX_SHARDS);
  const workers = integerFlag('workers', values.workers, 0, 0, MAX_WORKERS);
  await runNode({ shards, workers, clock });
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'node':
      return nodeCommand(rest).catch((error: unknown) => {
        // A node flag error shows the node's usage, not the top-level one.
        throw error instanceof FlagError || error instanceof UsageError ? new UsageError(error.message, NODE_USAGE) : error;
      });
    case '-v':
    case '--version':
      process.stdout.write(`keepwatch ${packageVersion()}\n`);
      return;
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
  if (error instanceof UsageError) {
    process.stderr.write(`keepwatch: ${error.message}\n\n${error.usage}`);
    process.exitCode = 2;
    return;
  }
  process.stderr.write(`keepwatch: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
