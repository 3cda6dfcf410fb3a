import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/transports/node/line-splitter.js';
import { mulberry32 } from '../helpers/prng.js';

/**
 * The node's line splitter fed the same bytes in random chunkings must see
 * exactly the lines that a plain whole-input split sees (spec section 1:
 * line ends \n or \r\n, a leading BOM ignored, a last line without newline
 * processed, lines over the limit or not UTF-8 refused). A small limit
 * (24 bytes) puts the boundary within reach of short random lines.
 */
const LIMIT = 24;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function referenceEvents(input: Buffer): string[] {
  let bytes = input;
  if (bytes.subarray(0, 3).equals(BOM)) bytes = bytes.subarray(3);
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      lines.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  if (start < bytes.length) lines.push(bytes.subarray(start));
  return lines.map((line) => {
    const body = line.length > 0 && line[line.length - 1] === 0x0d ? line.subarray(0, line.length - 1) : line;
    if (body.length > LIMIT || !isUtf8(body)) return 'REJECT';
    return 'LINE:' + body.toString('utf8');
  });
}

function splitterEvents(input: Buffer, cuts: number[]): string[] {
  const events: string[] = [];
  const splitter = new LineSplitter({ line: (b, s, e) => events.push('LINE:' + b.toString('utf8', s, e)), reject: () => events.push('REJECT') }, LIMIT);
  let prev = 0;
  for (const cut of [...cuts, input.length]) {
    splitter.push(input.subarray(prev, cut));
    prev = cut;
  }
  splitter.end();
  return events;
}

const PIECES = ['a', '{}', 'x'.repeat(10), 'é', '€', '😀', '\r', '\r\n', '\n', '\n', '\n', ' ', '\ufeff'];
const BAD = [Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xed, 0xa0, 0x80])];

function randomInput(rnd: () => number): Buffer {
  const parts: Buffer[] = [];
  if (rnd() < 0.3) parts.push(BOM);
  const n = Math.floor(rnd() * 40);
  for (let i = 0; i < n; i++) {
    if (rnd() < 0.05) parts.push(BAD[Math.floor(rnd() * BAD.length)]);
    else if (rnd() < 0.05) parts.push(Buffer.from('y'.repeat(LIMIT - 2 + Math.floor(rnd() * 5))));
    else parts.push(Buffer.from(PIECES[Math.floor(rnd() * PIECES.length)]));
  }
  return Buffer.concat(parts);
}

describe('LineSplitter: any chunking gives the lines of a whole-input split', () => {
  it('on 3000 random inputs, each in three random chunkings and byte by byte', () => {
    const rnd = mulberry32(99);
    let lines = 0;
    let rejects = 0;
    for (let i = 0; i < 3000; i++) {
      const input = randomInput(rnd);
      const want = referenceEvents(input);
      lines += want.filter((e) => e !== 'REJECT').length;
      rejects += want.filter((e) => e === 'REJECT').length;
      const chunkings = [[], Array.from({ length: input.length - 1 }, (_, k) => k + 1)];
      for (let c = 0; c < 3; c++) {
        const cuts = new Set<number>();
        const count = Math.floor(rnd() * 6);
        for (let k = 0; k < count; k++) cuts.add(Math.floor(rnd() * (input.length + 1)));
        chunkings.push([...cuts].sort((a, b) => a - b));
      }
      for (const cuts of chunkings) {
        const got = splitterEvents(input, cuts);
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          expect(got, `input ${JSON.stringify(input.toString('latin1'))} cut at ${cuts}`).toEqual(want);
        }
      }
    }
    expect(lines).toBeGreaterThan(10_000);
    expect(rejects).toBeGreaterThan(500);
  });

  it('a line of exactly the limit passes, one byte more is refused, whatever the line end', () => {
    const exact = 'z'.repeat(LIMIT);
    const input = Buffer.from(`\ufeff${exact}\r\n${exact}\n${exact}z\n${exact}z\r\n${exact}\r`);
    expect(splitterEvents(input, [])).toEqual([`LINE:${exact}`, `LINE:${exact}`, 'REJECT', 'REJECT', `LINE:${exact}`]);
    expect(splitterEvents(input, Array.from({ length: input.length - 1 }, (_, k) => k + 1))).toEqual(referenceEvents(input));
  });
});
