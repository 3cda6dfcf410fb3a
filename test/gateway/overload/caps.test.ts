import { describe, expect, it } from 'vitest';
import { metric, useGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { sleep, TestClient } from '../helpers/ws-client.js';
import { upgradeStatus } from '../../edge/helpers/tokens.js';

/** Issue 8, item 6: one peer cannot fill the process; the global cap refuses, counts, and loses nothing. */
const CAP = 50;

type ThreadLoad = { connections: number; clients: number };
async function health(gw: GatewayProcess): Promise<{ connections: number; threads?: ThreadLoad[] }> {
  return JSON.parse((await gw.get('/healthz')).text) as { connections: number; threads?: ThreadLoad[] };
}

/**
 * A new connection on an I/O thread that holds no client (with --threads N
 * the kernel picks the thread; the caps count the whole process, so the
 * other thread must refuse too); with one thread, any new connection. The
 * connections that landed elsewhere are returned too, to be closed.
 */
async function openOnAnotherThread(gw: GatewayProcess): Promise<{ conn: TestClient; elsewhere: TestClient[] }> {
  const elsewhere: TestClient[] = [];
  for (let tries = 0; tries < 30; tries++) {
    const before = await health(gw);
    const conn = await TestClient.open(gw.wsUrl());
    if (before.threads === undefined) return { conn, elsewhere };
    const empty = before.threads.findIndex((t) => t.clients === 0);
    let after = await health(gw);
    for (let wait = 0; wait < 100 && after.threads?.reduce((n, t) => n + t.connections, 0) !== before.connections + 1; wait++) {
      await sleep(20);
      after = await health(gw);
    }
    if (after.threads?.[empty]?.connections === before.threads[empty].connections + 1) return { conn, elsewhere };
    elsewhere.push(conn);
  }
  throw new Error('no connection landed on the thread without clients');
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
    // With --threads 2, on the other thread: the cap is the process's, not each thread's.
    const { conn: other, elsewhere } = await openOnAnotherThread(gw);
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

describe('keepwatch serve --max-connections-per-ip, counted over every I/O thread', () => {
  const gw = useGateway({ args: ['--max-connections-per-ip', '2'] });

  it('holds the address to 2 connections however the kernel spreads its upgrades over the threads; a close frees one', async () => {
    const held = [await TestClient.open(gw.wsUrl()), await TestClient.open(gw.wsUrl())];
    // Counted per thread, 2 threads would let up to 4 in: 8 more attempts land on both threads (all on one: 1 in 256).
    const attempts = await Promise.all(Array.from({ length: 8 }, () => upgradeStatus(gw.wsUrl())));
    expect(attempts.map((a) => a.status)).toEqual(Array.from({ length: 8 }, () => 429));
    held[0].close();
    await held[0].closed;
    let again: TestClient | undefined;
    for (let tries = 0; tries < 50 && again === undefined; tries++) {
      await sleep(20);
      again = await TestClient.open(gw.wsUrl()).catch(() => undefined);
    }
    expect(again?.isOpen).toBe(true);
    expect((await upgradeStatus(gw.wsUrl())).status).toBe(429);
    expect(metric((await gw.get('/metrics')).text, 'keepwatch_upgrade_refusals_total{reason="per_ip"}')).toBeGreaterThanOrEqual(9);
    again?.close();
    held[1].close();
  });
});
