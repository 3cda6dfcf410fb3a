import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/transports/node/line-splitter.js';
import { newSession } from '../helpers/node-session.js';
import { mulberry32 } from '../helpers/prng.js';

/**
 * The node reads a batch of lines ahead (LineSink.prepare ->
 * NodeSession.prepareLines: scanned once, lookups prefetched together).
 * Whatever is prepared, the replies and diagnostics are those of a session
 * that handles the same lines one by one with no read-ahead, including
 * when a prepared line is handled from a copy or not at all.
 */
function randomLines(next: () => number, count: number): string[] {
  const lines = ['{"src":"c0","dest":"n1","body":{"type":"init","node_id":"n1","node_ids":["n1"],"msg_id":1}}'];
  const id = (): string => ['a', 'client-' + Math.floor(next() * 50), 'x'.repeat(1 + Math.floor(next() * 80))][Math.floor(next() * 3)];
  for (let k = 2; lines.length < count; k++) {
    const r = next();
    const c = id();
    if (r < 0.25) lines.push(`{"src":"${c}","dest":"n1","body":{"type":"ka_register","client_id":"${c}","timeout_ms":${1 + Math.floor(next() * 900)},"msg_id":${k}}}`);
    else if (r < 0.8) lines.push(`{"src":"${c}","dest":"n1","body":{"type":"ka_heartbeat","client_id":"${c}","msg_id":${k}}}`);
    else if (r < 0.88) lines.push(`{"src":"${c}","dest":"n1","body":{"type":"ka_heartbeat","client_id":"${c}"}}`);
    else if (r < 0.93) lines.push(`{"src": "${c}", "dest": "n1", "body": {"client_id": "${c}", "type": "ka_heartbeat", "msg_id": ${k}}}`);
    else if (r < 0.97) lines.push(`{"src":"c0","dest":"n1","body":{"type":"ka_check","current_time_ms":${k * 3},"msg_id":${k}}}`);
    else lines.push(`{"src":"c0","dest":"n1","body":{"type":"ka_heartbeat","client_id":"","msg_id":${k}}}`);
  }
  return lines;
}

describe('NodeSession read-ahead', () => {
  it('gives the output of a session without read-ahead, for prepared lines handled in place, from a copy, or skipped', () => {
    const next = mulberry32(5);
    for (let trial = 0; trial < 40; trial++) {
      const lines = randomLines(next, 300);
      const text = Buffer.from(lines.join('\n'), 'latin1');
      const starts = new Int32Array(lines.length);
      const ends = new Int32Array(lines.length);
      let at = 0;
      lines.forEach((line, k) => {
        starts[k] = at;
        ends[k] = at + line.length;
        at += line.length + 1;
      });
      const plain = newSession();
      const ahead = newSession();
      // A line skipped by the reading session is skipped by the plain one too.
      const skip = Math.floor(next() * lines.length);
      for (let from = 0; from < lines.length; ) {
        const count = Math.min(lines.length - from, 1 + Math.floor(next() * 120));
        ahead.session.prepareLines(text, starts.subarray(from), ends.subarray(from), count);
        for (let k = from; k < from + count; k++) {
          if (k === skip) continue;
          plain.session.handleLine(text, starts[k], ends[k]);
          if (next() < 0.1) {
            const copy = Buffer.from(text.subarray(starts[k], ends[k]));
            ahead.session.handleLine(copy, 0, copy.length);
          } else ahead.session.handleLine(text, starts[k], ends[k]);
        }
        from += count;
      }
      const want = plain.output();
      expect(want).toContain('ka_heartbeat_ok');
      expect(want).toContain('"type": "error"');
      expect(ahead.output()).toBe(want);
    }
  });
});

describe('LineSplitter.prepare', () => {
  it('announces every fast-path line, in batches of at most 256, before handing any of them over', () => {
    const lines = Array.from({ length: 700 }, (_, k) => `line ${k}${k % 3 === 0 ? '\r' : ''}`);
    const events: string[] = [];
    const announced: string[] = [];
    const splitter = new LineSplitter({
      prepare: (bytes, starts, ends, count) => {
        expect(announced).toEqual([]);
        expect(count).toBeLessThanOrEqual(256);
        for (let i = 0; i < count; i++) announced.push(bytes.toString('latin1', starts[i], ends[i]));
      },
      line: (bytes, start, end) => {
        const line = bytes.toString('latin1', start, end);
        expect(announced.shift()).toBe(line);
        events.push(line);
      },
      reject: () => events.push('REJECT'),
    });
    splitter.push(Buffer.from(lines.join('\n') + '\n', 'latin1'));
    splitter.end();
    expect(events).toEqual(lines.map((line) => line.replace('\r', '')));
    expect(announced).toEqual([]);
  });
});
