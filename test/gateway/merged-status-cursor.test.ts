import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/monitor/clock.js';
import { ClientEntry, type Connection } from '../../src/transports/gateway/connection.js';
import { LocalStatusCursor, type StatusCursor } from '../../src/transports/gateway/status-stream.js';
import { MergedStatusCursor, type CursorLink } from '../../src/transports/gateway/threads/merged-status-cursor.js';
import { ThreadStatusCursors } from '../../src/transports/gateway/threads/thread-status-cursors.js';

/**
 * The pure part of GET /status over I/O threads: each thread's cursor
 * (ThreadStatusCursors) merged by registration number (MergedStatusCursor)
 * lists what one registry holding every client would, byte for byte; the
 * end-to-end tests are http.test.ts and overload/status-bounds.test.ts on
 * 2 threads.
 */
type Registry = Map<string, ClientEntry>;
const entry = (id: string, seq: number): ClientEntry => {
  const e = new ClientEntry(id, {} as Connection, { shard: 0, handle: 0 }, true, 1000, 2000, 0);
  e.seq = seq;
  return e;
};
const source = (registry: Registry) => ({ get size() { return registry.size; }, entries: () => registry.values(), get: (id: string) => registry.get(id) });

/** `n` clients dealt over `threads` registries by `pick(seq)`; also the one registry that holds them all. */
function population(n: number, threads: number, pick: (seq: number) => number): { parts: Registry[]; whole: Registry } {
  const parts = Array.from({ length: threads }, () => new Map<string, ClientEntry>());
  const whole = new Map<string, ClientEntry>();
  for (let seq = 0; seq < n; seq++) {
    const e = entry(`c-${seq}`, seq);
    parts[pick(seq)].set(e.clientId, e);
    whole.set(e.clientId, e);
  }
  return { parts, whole };
}

/** Every thread's cursors, reached at once (no supervisor): counts the round trips. */
function link(parts: Registry[], clock: VirtualClock, reader = 7, cursor = 1) {
  const owners = parts.map((p) => new ThreadStatusCursors(source(p), clock));
  const asked = { steps: 0, rows: 0 };
  const l: CursorLink = {
    ask: async (thread, op) => {
      if (op.op === 'step') asked.steps++;
      const answer = owners[thread].apply(reader, cursor, op);
      asked.rows += answer?.ends?.length ?? 0;
      return answer;
    },
    close: (thread) => void owners[thread].apply(reader, cursor, { op: 'close' }),
  };
  return { link: l, owners, asked };
}

const text = (body: string | Uint8Array): string => (typeof body === 'string' ? body : Buffer.from(body).toString('latin1'));
const ids = (listing: string): string[] => (JSON.parse(`[${listing}]`) as { client_id: string }[]).map((e) => e.client_id);

/** A page as streamStatus writes it: the entries' text, in chunks of `chunk`. */
async function page(cursor: StatusCursor, offset: number, limit: number, chunk = 400): Promise<string> {
  await cursor.skip(offset);
  let out = '';
  for (let count = 0; count < limit; ) {
    const next = await cursor.next(Math.min(chunk, limit - count), count > 0);
    if (next.count === 0) break;
    out += text(next.body);
    count += next.count;
  }
  cursor.close();
  return out;
}

describe('MergedStatusCursor', () => {
  const clock = new VirtualClock();
  clock.observe(500);
  const dealings: [string, (seq: number) => number][] = [
    ['alternating', (seq) => seq % 2],
    ['in runs of 50', (seq) => Math.floor(seq / 50) % 2],
    ['all on one thread', () => 1],
    ['uneven', (seq) => (seq % 7 === 0 ? 0 : 1)],
  ];
  for (const [name, pick] of dealings) {
    it(`pages over 2 threads as one registry does (${name}), past the peek batch`, async () => {
      const { parts, whole } = population(10_000, 2, pick);
      for (const [offset, limit] of [[0, 10_000], [0, 1], [4095, 10], [5000, 3000], [9_998, 50], [10_000, 5]]) {
        const expected = await page(new LocalStatusCursor(source(whole), clock), offset, limit);
        const { link: l, owners } = link(parts, clock);
        const merged = await MergedStatusCursor.open(2, l, 400);
        expect(merged.total).toBe(10_000);
        expect(await page(merged, offset, limit)).toEqual(expected);
        // Closed on every thread: nothing left behind.
        expect(owners.map((o) => o.size)).toEqual([0, 0]);
      }
    });
  }

  it('holds at most one chunk of rows across the threads, and asks no rows while passing an offset', async () => {
    const { parts } = population(20_000, 2, (seq) => seq % 2);
    const { link: l, asked } = link(parts, clock);
    const merged = await MergedStatusCursor.open(2, l, 400);
    await merged.skip(15_000);
    expect(asked.rows).toBe(0);
    // 15,000 numbers in peeks of 4,096 per thread: 2 rounds each.
    expect(asked.steps).toBeLessThanOrEqual(6);
    const chunk = await merged.next(400, false);
    // A chunk is bounded by bytes too (40 KB of entries: ~104 B each here).
    expect(chunk.count).toBeGreaterThan(350);
    expect(chunk.body.length).toBeLessThanOrEqual(40 * 1024 + 2);
    expect(ids(text(chunk.body))[0]).toBe('c-15000');
    // Rows were asked 200 per thread (one chunk in all), a round or two more.
    expect(asked.rows).toBeLessThanOrEqual(800);
    merged.close();
  });

  it('a client gone after it was looked at is not listed; a thread that does not answer ends its part', async () => {
    const { parts } = population(100, 2, (seq) => seq % 2);
    const { link: l } = link(parts, clock);
    const merged = await MergedStatusCursor.open(2, l, 400);
    await merged.skip(10);
    parts[1].delete('c-11');
    const chunk = await merged.next(5, false);
    expect(ids(text(chunk.body))).toEqual(['c-10', 'c-12', 'c-13', 'c-14', 'c-15']);
    merged.close();

    const { link: one } = link(parts, clock);
    const silent: CursorLink = { ask: async (t, op) => (t === 1 && op.op === 'step' ? undefined : one.ask(t, op)), close: one.close };
    const half = await MergedStatusCursor.open(2, silent, 400);
    expect(ids(await page(half, 0, 1000))).toHaveLength(50);
  });

  it('a reader whose thread went away leaves no cursor behind', () => {
    const owners = new ThreadStatusCursors(source(new Map()), clock);
    const window = new SharedArrayBuffer(2048);
    owners.apply(3, 1, { op: 'open', window });
    owners.apply(3, 2, { op: 'open', window });
    owners.apply(4, 1, { op: 'open', window });
    owners.readerGone(3);
    expect(owners.size).toBe(1);
  });
});
