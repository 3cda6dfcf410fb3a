/**
 * The dashboard's table and kick on `keepwatch serve --threads 2`: the
 * page's requests land on whichever I/O thread the kernel gives their
 * connection, so each must answer for every thread.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayProcess } from '../gateway/helpers/gateway-process.js';
import { TestClient } from '../gateway/helpers/ws-client.js';
import type { ClientPage, KickResult } from '../../src/dashboard/wire.js';

/** A fresh TCP connection per request (no keep-alive), so requests spread over the threads as a browser's may. */
async function call(gw: GatewayProcess, path: string, method = 'GET'): Promise<{ status: number; body: unknown }> {
  const res = await fetch(gw.url(path), { method, headers: { connection: 'close' }, signal: AbortSignal.timeout(15_000) });
  return { status: res.status, body: (await res.json()) as unknown };
}

describe('dashboard with --threads 2', () => {
  let gw: GatewayProcess;
  const clients = new Map<string, TestClient>();
  const ids = Array.from({ length: 12 }, (_, i) => `dt-${String(i).padStart(2, '0')}`);

  beforeAll(async () => {
    gw = await startGateway({ args: ['--threads', '2'], startupTimeoutMs: 30_000 });
    for (const id of ids) {
      const c = await TestClient.open(gw.wsUrl());
      await c.register(id, 60_000, 30_000);
      clients.set(id, c);
    }
  }, 60_000);
  afterAll(async () => {
    for (const c of clients.values()) c.terminate();
    await gw.stop();
  });

  it('every table request, on either thread, lists the clients of both threads, each with its owning thread', async () => {
    const threadsSeen = new Set<number>();
    for (let i = 0; i < 6; i++) {
      const { status, body } = await call(gw, '/dashboard/api/clients?limit=50&order=newest');
      expect(status).toBe(200);
      const page = body as ClientPage;
      expect(page.total).toBe(ids.length);
      expect(page.matched).toBe(ids.length);
      expect(page.rows.map((r) => r.client_id).sort()).toEqual(ids);
      for (const r of page.rows) threadsSeen.add(r.thread as number);
      // Ordered across threads: most recently seen first.
      const ages = page.rows.map((r) => r.last_seen_ms_ago);
      expect(ages).toEqual([...ages].sort((a, b) => a - b));
    }
    // 12 connections all on one thread would be a 1 in 2^11 draw.
    expect([...threadsSeen].sort()).toEqual([0, 1]);
  });

  it('pages and searches across threads', async () => {
    const first = (await call(gw, '/dashboard/api/clients?limit=5&offset=0&order=oldest')).body as ClientPage;
    const second = (await call(gw, '/dashboard/api/clients?limit=5&offset=5&order=oldest')).body as ClientPage;
    const third = (await call(gw, '/dashboard/api/clients?limit=5&offset=10&order=oldest')).body as ClientPage;
    const all = [...first.rows, ...second.rows, ...third.rows].map((r) => r.client_id);
    expect(all.length).toBe(12);
    expect(new Set(all).size).toBe(12);
    const search = (await call(gw, '/dashboard/api/clients?prefix=dt-1')).body as ClientPage;
    expect(search.rows.map((r) => r.client_id).sort()).toEqual(['dt-10', 'dt-11']);
    expect(search.matched).toBe(2);
  });

  it('kicks a client held by either thread from a request on either thread (4006); an unknown id is 404', async () => {
    const page = (await call(gw, '/dashboard/api/clients?limit=50')).body as ClientPage;
    const onThread = [0, 1].map((t) => page.rows.find((r) => r.thread === t)?.client_id as string);
    for (const id of onThread) {
      const { status, body } = await call(gw, `/dashboard/api/kick?client_id=${id}`, 'POST');
      expect(status).toBe(200);
      expect(body as KickResult).toMatchObject({ kicked: id, clients_closed: 1 });
      expect(await clients.get(id)?.closed).toMatchObject({ code: 4006, reason: 'kicked by an admin' });
    }
    expect((await call(gw, '/dashboard/api/kick?client_id=nobody', 'POST')).status).toBe(404);
  });

  it('the stream says how many I/O threads there are and whose figures it shows', async () => {
    const res = await fetch(gw.url('/dashboard/api/stream'), { signal: AbortSignal.timeout(15_000) });
    const reader = res.body!.getReader();
    let text = '';
    // The hello, then the first tick (a second later).
    while (!text.includes('event: tick')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const data = /event: tick\ndata: (.*)\n/.exec(text)?.[1] as string;
    const tick = (JSON.parse(data) as { tick: { io_threads: number; thread: number } }).tick;
    expect(tick.io_threads).toBe(2);
    expect([0, 1]).toContain(tick.thread);
  });
});
