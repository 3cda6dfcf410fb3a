import { describe, expect, it } from 'vitest';
import { metric, useGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { sleep, TestClient } from '../helpers/ws-client.js';

/** Issue 8, item 6: one peer cannot fill the process; the global cap refuses, counts, and loses nothing. */
const CAP = 50;

type ThreadLoad = { connections: number; clients: number };
async function health(gw: GatewayProcess): Promise<{ connections: number; threads?: ThreadLoad[] }> {
  return JSON.parse((await gw.get('/healthz')).text) as { connections: number; threads?: ThreadLoad[] };
}

/**
 * A new connection on the I/O thread that holds `clients` clients: with
 * --threads N the cap is per thread, and the kernel picks the thread. The
 * connections that landed elsewhere are returned too, to be closed.
 */
async function openBeside(gw: GatewayProcess, clients: number): Promise<{ conn: TestClient; elsewhere: TestClient[] }> {
  const elsewhere: TestClient[] = [];
  for (let tries = 0; tries < 30; tries++) {
    const before = await health(gw);
    const conn = await TestClient.open(gw.wsUrl());
    if (before.threads === undefined) return { conn, elsewhere };
    const full = before.threads.findIndex((t) => t.clients === clients);
    let after = await health(gw);
    for (let wait = 0; wait < 100 && after.threads?.reduce((n, t) => n + t.connections, 0) !== before.connections + 1; wait++) {
      await sleep(20);
      after = await health(gw);
    }
    if (after.threads?.[full]?.connections === before.threads[full].connections + 1) return { conn, elsewhere };
    elsewhere.push(conn);
  }
  throw new Error('no connection landed on the thread that holds the clients');
}

describe('keepwatch serve --max-clients', () => {
  const gw = useGateway({ args: ['--max-clients', String(CAP)] });

  it('refuses a new client_id beyond the cap with error 41 and keeps the connection; room comes back when clients leave', async () => {
    const greedy = await TestClient.open(gw.wsUrl());
    const replies = await Promise.all(Array.from({ length: CAP + 10 }, (_, i) => greedy.register(`cap-${i}`, 60_000, 60_000)));
    const ok = replies.filter((r) => r.body.type === 'ka_register_ok');
    const refused = replies.filter((r) => r.body.type === 'error');
    expect(ok).toHaveLength(CAP);
    expect(refused).toHaveLength(10);
    for (const r of refused) {
      expect(r.body.code).toBe(41);
      expect(String(r.body.text)).toContain('--max-clients');
    }
    expect(greedy.isOpen).toBe(true);
    // Re-registering a held id adds nobody: still accepted at the cap.
    expect((await greedy.register('cap-0', 60_000, 60_000)).body.type).toBe('ka_register_ok');
    const { conn: other, elsewhere } = await openBeside(gw, CAP);
    elsewhere.forEach((c) => c.close());
    expect((await other.register('late-1', 60_000, 60_000)).body).toMatchObject({ type: 'error', code: 41 });
    expect(JSON.parse((await gw.get('/healthz')).text)).toMatchObject({ clients: CAP });
    greedy.close();
    await greedy.closed;
    let reply = await other.register('late-1', 60_000, 60_000);
    for (let tries = 0; tries < 20 && reply.body.type !== 'ka_register_ok'; tries++) reply = await other.register('late-1', 60_000, 60_000);
    expect(reply.body.type).toBe('ka_register_ok');
    expect(metric((await gw.get('/metrics')).text, 'keepwatch_overload_refusals_total{reason="clients_full"}')).toBeGreaterThanOrEqual(11);
    other.close();
  });

  it('checks in the documented order when several things are wrong: msg_id, type, fields (12 / 10) before the cap (41)', async () => {
    // The previous test's clients leave with their connections.
    for (let tries = 0; tries < 100 && JSON.parse((await gw.get('/healthz')).text).clients !== 0; tries++) await sleep(50);
    // One connection throughout: with --threads N the cap is its I/O thread's.
    const greedy = await TestClient.open(gw.wsUrl());
    const replies = await Promise.all(Array.from({ length: CAP }, (_, i) => greedy.register(`order-${i}`, 60_000, 60_000)));
    expect(replies.every((r) => r.body.type === 'ka_register_ok')).toBe(true);
    // At the cap: a new id with a bad timeout is 12 naming the field, not 41.
    expect((await greedy.register('order-new', 0, 60_000)).body).toMatchObject({ type: 'error', code: 12, text: expect.stringContaining('timeout_ms') });
    // An unknown type with bad fields is 10.
    expect((await greedy.request({ type: 'ka_nope', client_id: 5 })).body).toMatchObject({ type: 'error', code: 10 });
    // A bad msg_id comes before everything: 12 without in_reply_to (nothing to reply to).
    greedy.sendRaw('{"type": "ka_nope", "msg_id": -1, "client_id": 5}');
    const unaddressed = await greedy.next((m) => m.body.type === 'error' && m.body.in_reply_to === undefined);
    expect(unaddressed.body).toMatchObject({ code: 12, text: expect.stringContaining('msg_id') });
    // All fields right: the cap answers.
    expect((await greedy.register('order-new', 60_000, 60_000)).body).toMatchObject({ type: 'error', code: 41 });
    greedy.close();
    await greedy.closed;
  });
});
