import { spawn } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/monitor/clock.js';
import { afterInputRead } from '../../src/monitor/input-horizon.js';

/**
 * The read horizon's promise, shown with a real socket: when the callback
 * runs with `readUpTo`, everything another process wrote to this one's
 * socket before `readUpTo` has been read. A writer process sends its own
 * send time every millisecond; the test blocks the loop for BUSY_MS inside
 * a socket callback (where a single setImmediate would not be enough: the
 * poll phase that read this callback's data began before the block), then
 * asks for the horizon, and checks that no line sent before it was read
 * after the callback ran.
 *
 * A Unix socket, not TCP: a write to it is in the reader's queue when the
 * write returns, whereas loopback TCP hands packets to the kernel's softirq
 * work, which a loaded machine runs milliseconds later (then the bytes are
 * not in the socket yet, which is network delay, not the server's).
 */
const BUSY_MS = 80;
const TRIALS = 5;
/** The two processes' clock origins (measured within 0.1 ms). */
const SLACK_MS = 1;

/** Both processes read the same wall-anchored, monotonic time. */
const sharedClock: Clock = { now: () => performance.timeOrigin + performance.now(), observe: () => undefined, epochMs: (ms) => ms };

const WRITER = `
const socket = require('node:net').connect(process.argv[1], () => {
  const until = performance.now() + 2000;
  const tick = setInterval(() => {
    socket.write((performance.timeOrigin + performance.now()).toFixed(3) + '\\n');
    if (performance.now() > until) { clearInterval(tick); socket.end(); }
  }, 1);
});
`;

function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // the loop cannot read its sockets meanwhile
  }
}

describe('afterInputRead', () => {
  const server = createServer();
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('runs only once everything written to the socket before its horizon has been read', async () => {
    const path = join(tmpdir(), `keepwatch-horizon-${process.pid}.sock`);
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const writer = spawn(process.execPath, ['-e', WRITER, path], { stdio: 'ignore' });
    const sent: number[] = [];
    const asks: Array<{ readUpTo: number; linesRead: number }> = [];
    await new Promise<void>((resolve, reject) => {
      server.once('connection', (socket: Socket) => {
        let pending = '';
        let asking = false;
        socket.on('data', (chunk: Buffer) => {
          const lines = (pending + chunk.toString('latin1')).split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) sent.push(Number(line));
          if (asking || asks.length === TRIALS) return;
          asking = true;
          // Inside a poll-phase callback: block, so that lines pile up unread, then ask.
          busyFor(BUSY_MS);
          afterInputRead(sharedClock, (readUpTo) => {
            asks.push({ readUpTo, linesRead: sent.length });
            asking = false;
          });
        });
        socket.on('end', () => resolve());
        socket.on('error', reject);
      });
    });
    writer.kill();
    expect(asks).toHaveLength(TRIALS);
    for (const { readUpTo, linesRead } of asks) {
      // The lines read only after the callback ran were all sent after its horizon (give or take
      // the slack). With one setImmediate instead of two, lines sent during the block would be.
      const readLate = sent.slice(linesRead).filter((at) => at < readUpTo - SLACK_MS);
      expect(readLate.map((at) => Math.round(readUpTo - at))).toEqual([]);
      // The test has teeth: lines did pile up during the block.
      expect(sent.slice(0, linesRead).some((at) => at > readUpTo - BUSY_MS)).toBe(true);
    }
  }, 20_000);
});
