import { describe, expect, it } from 'vitest';
import { EMPTY, IdTable } from '../../src/core/id-table.js';
import { mulberry32 } from '../helpers/prng.js';


const ascii = (id: string): Buffer => Buffer.from(id, 'latin1');

describe('IdTable', () => {
  it('agrees with a Map over random sets and deletes, by string and by ASCII bytes', () => {
    const next = mulberry32(7);
    // Few distinct ids, many operations: runs of cells fill, empty and shift back over and over.
    const ids = Array.from({ length: 3_000 }, (_, i) => (i % 3 === 0 ? `c${i}` : `client-${i}-${'x'.repeat(i % 17)}`));
    // A value names its key (as a handle names its slot's id): key index * 2^20 + anything below.
    const table = new IdTable((value) => ids[Math.floor(value / 2 ** 20)]);
    const model = new Map<string, number>();
    for (let op = 0; op < 60_000; op++) {
      const id = ids[Math.floor(next() * ids.length)];
      const r = next();
      if (r < 0.55) {
        const value = ids.indexOf(id) * 2 ** 20 + Math.floor(next() * 2 ** 20);
        table.set(id, value);
        model.set(id, value);
      } else if (r < 0.9) {
        expect(table.delete(id)).toBe(model.delete(id));
      } else if (r < 0.9005) {
        table.clear();
        model.clear();
      }
      if (op % 2_000 === 0) {
        expect(table.size).toBe(model.size);
        const want = ids.map((probe) => model.get(probe) ?? EMPTY);
        expect(ids.map((probe) => table.get(probe))).toEqual(want);
        // The id inside a longer buffer: only bytes[start, end) count.
        expect(ids.map((probe) => table.getAscii(ascii(`{"client_id":"${probe}"}`), 14, 14 + probe.length))).toEqual(want);
      }
    }
  });

  it('finds ids that are not ASCII by string only; their bytes name no entry', () => {
    const keys = ['', 'caf\u00e9', '\u{1f600}', 'caf\u00c3\u00a9'];
    const table = new IdTable((value) => keys[value]);
    table.set('caf\u00e9', 1);
    table.set('\u{1f600}', 2);
    table.set('caf\u00c3\u00a9', 3);
    expect(table.get('caf\u00e9')).toBe(1);
    expect(table.get('\u{1f600}')).toBe(2);
    // The UTF-8 bytes of 'café' read as Latin-1 characters are another id: the third one.
    const utf8 = Buffer.from('caf\u00e9', 'utf8');
    expect(table.getAscii(utf8, 0, utf8.length)).toBe(3);
    expect(table.getAscii(ascii('cafe'), 0, 4)).toBe(EMPTY);
    expect(table.getAscii(ascii(''), 0, 0)).toBe(EMPTY);
  });

  it('keeps every entry through growth from empty to 100,000 ids', () => {
    const table = new IdTable((value) => `client-${value}`);
    for (let i = 0; i < 100_000; i++) table.set(`client-${i}`, i);
    expect(table.size).toBe(100_000);
    for (let i = 0; i < 100_000; i += 997) {
      expect(table.get(`client-${i}`)).toBe(i);
      const bytes = ascii(`client-${i}`);
      expect(table.getAscii(bytes, 0, bytes.length)).toBe(i);
    }
    expect(table.get('client-100000')).toBe(EMPTY);
  });
});
