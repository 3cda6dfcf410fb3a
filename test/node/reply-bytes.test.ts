import { describe, expect, it } from 'vitest';
import { pyString } from '../../src/protocol/py-json.js';
import { asciiBytes, ReplyBytes } from '../../src/transports/node/reply-bytes.js';

// Both sides of the int32 fast path (2^31 - 1), and the largest exact integer.
const INTEGERS = [0, 7, 10, 99, 100, 123456789, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER];

describe('ReplyBytes', () => {
  it('writes what the string encoders write: pyString (escaped or not), integers, constants', () => {
    const out = new ReplyBytes();
    const texts = ['client-1', 'a"b', 'back\\slash', 'tab\there', 'é', '😀', '', '\u007f'];
    for (const t of texts) out.pyString(t);
    for (const n of INTEGERS) {
      out.integer(n);
      out.constant(asciiBytes(', '));
    }
    out.ascii('x'.repeat(100));
    out.endLine();
    const want =
      texts.map(pyString).join('') +
      INTEGERS.map((n) => `${n}, `).join('') +
      'x'.repeat(100) +
      '\n';
    expect((out.take() as Buffer).toString('latin1')).toBe(want);
    expect(out.take()).toBeUndefined();
  });

  it('grows past its initial buffer without losing bytes, and a taken buffer is not written again', () => {
    const out = new ReplyBytes();
    const line = '{"src": "n1", "dest": "client-123", "body": {}}';
    for (let i = 0; i < 20_000; i++) {
      out.ascii(line);
      out.endLine();
    }
    const first = out.take() as Buffer;
    expect(first.length).toBe(20_000 * (line.length + 1));
    out.ascii('next');
    const copy = Buffer.from(first);
    out.take();
    expect(first.equals(copy)).toBe(true);
    expect(first.toString('latin1').split('\n', 3)).toEqual([line, line, line]);
  });

  it('with a spill, hands full buffers over in order instead of growing, and fills given-back buffers again', () => {
    const spilled: Buffer[] = [];
    const out = new ReplyBytes((bytes) => spilled.push(bytes));
    const ids = Array.from({ length: 60_000 }, (_, i) => `client-${i}`);
    out.pyStringList(ids);
    out.endLine();
    const last = out.take() as Buffer;
    expect(spilled.length).toBeGreaterThan(1);
    const sizes = new Set([...spilled, last].map((b) => b.buffer.byteLength));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1 << 18);
    expect(Buffer.concat([...spilled, last]).toString('latin1')).toBe(`[${ids.map((id) => `"${id}"`).join(', ')}]\n`);
    // Given back once written: the buffers after the next take are those, their old bytes overwritten.
    for (const b of spilled) out.giveBack(b);
    const kept = Math.min(4, spilled.length);
    expect(out.spareCount).toBe(kept);
    out.ascii('again');
    expect((out.take() as Buffer).toString('latin1')).toBe('again');
    expect(out.spareCount).toBe(kept - 1);
    out.ascii('more');
    const more = out.take() as Buffer;
    expect(more.toString('latin1')).toBe('more');
    expect(spilled.some((b) => b.buffer === more.buffer)).toBe(true);
  });
});
