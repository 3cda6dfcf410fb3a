import type { Readable, Writable } from 'node:stream';
import { createClock, type ClockKind } from '../../monitor/clock.js';
import { KeepAliveMonitor } from '../../monitor/monitor.js';
import { KeepAliveService } from '../../protocol/keepalive-service.js';
import { LiveMonitorClients } from '../../protocol/live-monitor-clients.js';
import { MonitorClients } from '../../protocol/monitor-clients.js';
import { stdinChunks, type ChunkSource } from './file-input.js';
import { LineSplitter } from './line-splitter.js';
import { NodeSession } from './node-session.js';
import { ReplyBytes } from './reply-bytes.js';

export interface NodeOptions {
  shards: number;
  clock: ClockKind;
  /** Worker threads serving the shards; 0 (default) keeps them in process. */
  workers?: number;
  input?: Readable;
  output?: Writable;
  errors?: Writable;
}

/**
 * Runs the stdio node until its input ends. Replies to the lines of one
 * input chunk are written together, as soon as that chunk is processed
 * (or before, a reply buffer at a time, when they fill one: a check or
 * status); input pauses while stdout is congested.
 */
export async function runNode(options: NodeOptions): Promise<void> {
  const input: ChunkSource = options.input ?? stdinChunks();
  const output = options.output ?? process.stdout;
  const ownOutput = options.output === undefined;
  const errors = options.errors ?? process.stderr;
  const clock = createClock(options.clock);
  const workers = options.workers ?? 0;
  // The worker monitor is loaded only for workers: the worker pool's modules
  // were about a third of an in-process node's start-up CPU (~0.09 s of ~0.28 s).
  // On workers, sweeps happen at ka_check as in process; a real clock also sweeps on a timer.
  const live =
    workers > 0
      ? new (await import('../../monitor/workers/worker-live-monitor.js')).WorkerLiveMonitor({
          shards: options.shards,
          workers,
          clock,
          trackPings: false,
          queueExpiryReports: true,
          sweepTimer: options.clock === 'real',
        })
      : undefined;
  const service = new KeepAliveService<void>(
    live ? new LiveMonitorClients(live) : new MonitorClients(new KeepAliveMonitor({ shards: options.shards }), clock),
  );

  // process.stdout has written the bytes to its fd when it calls back; a
  // stream of the caller's may keep the chunk: its bytes are never reused.
  const write = (bytes: Buffer): void => {
    if (ownOutput) output.write(bytes, () => replies.giveBack(bytes));
    else output.write(bytes);
  };
  const replies = new ReplyBytes(write);
  let diagnostics: string[] = [];
  const session = new NodeSession(service, {
    replies,
    diagnose: (text) => diagnostics.push(text),
  });
  // Lines run strictly one after another: while a reply is pending (check
  // or status on workers), later lines wait here and input is paused.
  // In process nothing is ever pending and this is a plain call.
  let backlog: (() => void | Promise<void>)[] = [];
  let busy = false;
  let whenIdle: (() => void) | undefined;
  const wait = (later: void | Promise<void>): void => {
    if (later) void drain(later);
  };
  const drain = async (first: Promise<void>): Promise<void> => {
    busy = true;
    await first;
    while (backlog.length > 0) {
      const jobs = backlog;
      backlog = [];
      for (let i = 0; i < jobs.length; i++) {
        const later = jobs[i]();
        if (later) await later;
      }
    }
    busy = false;
    if (flush()) input.resume();
    else output.once('drain', () => input.resume());
    whenIdle?.();
  };
  const splitter = new LineSplitter({
    line: (bytes, start, end) => {
      if (!busy) return wait(session.handleLine(bytes, start, end));
      // The chunk is not ours to keep: a line that waits gets its own copy.
      const copy = Buffer.from(bytes.subarray(start, end));
      backlog.push(() => session.handleLine(copy, 0, copy.length));
    },
    // While lines wait (busy) they are copied and handled later: nothing to read ahead.
    prepare: (bytes, starts, ends, count) => {
      if (!busy) session.prepareLines(bytes, starts, ends, count);
    },
    reject: (reason) => (busy ? backlog.push(() => session.rejectLine(reason)) : session.rejectLine(reason)),
  });

  const flush = (): boolean => {
    if (diagnostics.length > 0) errors.write(diagnostics.join('\n') + '\n');
    diagnostics = [];
    const bytes = replies.take();
    if (bytes !== undefined) write(bytes);
    // Replies may also have been spilled while the chunk was handled: whether any write said wait.
    return !output.writableNeedDrain;
  };

  return new Promise((resolve, reject) => {
    input.on('data', (chunk: Buffer) => {
      splitter.push(chunk);
      if (busy) {
        input.pause();
        return;
      }
      if (!flush()) {
        input.pause();
        output.once('drain', () => input.resume());
      }
    });
    input.once('end', () => {
      splitter.end();
      const finish = (): void => {
        flush();
        const closed = live ? live.close() : Promise.resolve();
        closed.then(() => output.write('', () => resolve()), reject);
      };
      if (busy) whenIdle = finish;
      else finish();
    });
    input.once('error', reject);
  });
}
