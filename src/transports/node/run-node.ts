import type { Readable, Writable } from 'node:stream';
import { createClock, type ClockKind } from '../../monitor/clock.js';
import { KeepAliveMonitor } from '../../monitor/monitor.js';
import { KeepAliveService } from '../../protocol/keepalive-service.js';
import { LineSplitter } from './line-splitter.js';
import { NodeSession } from './node-session.js';

export interface NodeOptions {
  shards: number;
  clock: ClockKind;
  input?: Readable;
  output?: Writable;
  errors?: Writable;
}

/**
 * Runs the stdio node until its input ends. Replies to the lines of one
 * input chunk are written together, as soon as that chunk is processed;
 * input pauses while stdout is congested.
 */
export function runNode(options: NodeOptions): Promise<void> {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const errors = options.errors ?? process.stderr;
  const service = new KeepAliveService(new KeepAliveMonitor({ shards: options.shards }), createClock(options.clock));

  let replies: string[] = [];
  let diagnostics: string[] = [];
  const session = new NodeSession(service, {
    reply: (line) => replies.push(line),
    diagnose: (text) => diagnostics.push(text),
  });
  const splitter = new LineSplitter({
    line: (text) => session.handleLine(text),
    reject: (reason) => session.rejectLine(reason),
  });

  const flush = (): boolean => {
    if (diagnostics.length > 0) errors.write(diagnostics.join('\n') + '\n');
    diagnostics = [];
    if (replies.length === 0) return true;
    const ok = output.write(replies.join('\n') + '\n');
    replies = [];
    return ok;
  };

  return new Promise((resolve, reject) => {
    input.on('data', (chunk: Buffer) => {
      splitter.push(chunk);
      if (!flush()) {
        input.pause();
        output.once('drain', () => input.resume());
      }
    });
    input.once('end', () => {
      splitter.end();
      flush();
      output.write('', () => resolve());
    });
    input.once('error', reject);
  });
}
