import { describe, expect, it } from 'vitest';
import { Shard, ShardView, SweepBatch, type SharedShard, type SweepSink } from '../../src/core/index.js';

/**
 * Owner and view are two types (issue 13): a worker's view over a lent
 * shard has no ids, so the owner's operations are not there to call. The
 * `@ts-expect-error` lines are checked by `npm run typecheck`: each fails
 * it if the call they mark ever compiles.
 */
describe('ShardView: another thread holding a lent shard', () => {
  it('has no register, find or remove, at compile time and at run time', () => {
    const owner = new Shard();
    owner.register('a', 10, 5, 0, 0);
    const view = new ShardView(owner.buffers());
    // @ts-expect-error a view has no ids: it cannot register
    expect(() => view.register('b', 10, 5, 0, 1)).toThrow(TypeError);
    // @ts-expect-error nor find a client by id (to heartbeat or remove it)
    expect(() => view.find('a')).toThrow(TypeError);
    // @ts-expect-error nor remove one
    expect(() => view.remove(0)).toThrow(TypeError);
    expect(owner.size).toBe(1);
  });

  it('takes only sinks that read slots, not ids; the owner reads the ids of what it found', () => {
    const owner = new Shard();
    owner.register('a', 10, 1000, 0, 0);
    owner.register('b', 50, 1000, 0, 1);
    const view = new ShardView(owner.buffers());
    // @ts-expect-error a SweepBatch reads ids, which only the owner has
    expect(() => view.sweep(20, new SweepBatch())).toThrow(TypeError);
    // The throwing sink left the shard half swept; a fresh owner-side sweep is not what this test is about.
    const fresh = new Shard();
    const slotA = fresh.register('a', 10, 1000, 0, 0);
    fresh.register('b', 50, 1000, 0, 1);
    const found: number[] = [];
    const slotSink: SweepSink<SharedShard> = { expired: (_shard, slot) => found.push(slot), pinged: () => undefined };
    new ShardView(fresh.buffers()).sweep(20, slotSink);
    expect(found).toEqual([slotA]);
    expect(fresh.size).toBe(1);
    expect(fresh.idOf(slotA)).toBe('a');
    fresh.forgetReleased(slotA);
    expect(fresh.find('a')).toBe(-1);
    // The owner's own sweep takes either kind of sink.
    const batch = new SweepBatch();
    fresh.sweep(51, batch);
    expect(batch.expiredIdList()).toEqual(['b']);
  });
});
