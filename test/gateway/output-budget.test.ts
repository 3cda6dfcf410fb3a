import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/transports/gateway/connection.js';
import { defaultMaxConnections, openFileLimit } from '../../src/transports/gateway/file-limit.js';
import { OutputBudget } from '../../src/transports/gateway/output-budget.js';

/** The pure parts of the overload bounds (issue 8 items 4 and 5); the end-to-end tests are in overload/. */
const conn = (id: number): Connection => ({ id }) as Connection;

describe('OutputBudget', () => {
  it('closes the largest backlogs first, only until the total fits, and forgets closed and drained connections', () => {
    const shed: number[] = [];
    let budget: OutputBudget | undefined;
    budget = new OutputBudget(100, (c) => {
      shed.push(c.id);
      budget?.forget(c);
    });
    const [a, b, c, d] = [conn(1), conn(2), conn(3), conn(4)];
    budget.queued(a, 30);
    budget.queued(b, 50);
    budget.queued(c, 10);
    expect(shed).toEqual([]);
    expect(budget.queuedBytes).toBe(90);
    // A drain lowers a backlog; to zero, it leaves the table.
    budget.queued(c, 0);
    expect(budget.queuedBytes).toBe(80);
    // 80 + 45 = 125 > 100: the largest (b, 50) goes, and that is enough.
    budget.queued(d, 45);
    expect(shed).toEqual([2]);
    expect(budget.queuedBytes).toBe(75);
    // Growth of a known backlog counts its difference only: 75 - 30 + 60 = 105, d (45) is now the smaller: a (60) goes.
    budget.queued(a, 60);
    expect(shed).toEqual([2, 1]);
    expect(budget.queuedBytes).toBe(45);
    budget.forget(d);
    expect(budget.queuedBytes).toBe(0);
  });

  it('forgets a connection the shed callback could not close (already closing)', () => {
    const shed: number[] = [];
    const budget = new OutputBudget(10, (c) => shed.push(c.id));
    budget.queued(conn(1), 20);
    expect(shed).toEqual([1]);
    expect(budget.queuedBytes).toBe(0);
  });
});

describe('--max-connections default', () => {
  it('reads the soft open-file limit from /proc/self/limits', () => {
    const text = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            4096                 524288               files\n';
    expect(openFileLimit(text)).toBe(4096);
    expect(openFileLimit('Max open files            unlimited            unlimited            files\n')).toBeUndefined();
    expect(openFileLimit('')).toBeUndefined();
  });

  it('keeps max(64, a tenth) of the limit free', () => {
    expect(defaultMaxConnections(160)).toBe(96);
    expect(defaultMaxConnections(1024)).toBe(921);
    expect(defaultMaxConnections(20_000)).toBe(18_000);
    expect(defaultMaxConnections(50)).toBe(1);
  });
});
