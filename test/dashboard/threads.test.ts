/**
 * The dashboard on `keepwatch serve --threads 2`: the page's requests and
 * its stream land on whichever I/O thread the kernel gives their
 * connection, so each must answer for every thread (table, kick, and the
 * stream's figures, feed and histogram).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayProcess } from '../gateway/helpers/gateway-process.js';
import { TestClient } from '../gateway/helpers/ws-client.js';
import { openOverThreads } from '../gateway/helpers/thread-spread.js';
import type { ClientPage, DetectionPanel, KickResult, TickMessage } from '../../src/dashboard/wire.js';

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
    // Both threads hold some (the kernel picks; 12 all on one would be a 1 in 2,048 draw).
    await openOverThreads(gw, ids.length, async (i) => {
      const c = await TestClient.open(gw.wsUrl());
      await c.register(ids[i], 60_000, 30_000);
      clients.set(ids[i], c);
      return c;
    });
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

  it("every page's stream, on either thread, counts both threads' clients; expiries on either thread reach its feed and histogram", async () => {
    const page = (await call(gw, '/dashboard/api/clients?limit=50')).body as ClientPage;
    // The table is every thread's (tested above): both threads hold some of these clients.
    expect(new Set(page.rows.map((r) => r.thread))).toEqual(new Set([0, 1]));
    // A fresh connection per stream: the kernel puts some on each thread (all three on one: 1 in 4).
    const streams = await Promise.all([0, 1, 2].map(() => openStream(gw)));
    try {
      for (const stream of streams) {
        const tick = (await stream.until((m) => m.tick.clients === page.total)).tick;
        expect(tick).toMatchObject({ io_threads: 2, io_threads_reporting: 2, connections: page.total, clients: page.total });
      }
      const [stream] = streams;
      const before = histogramTotal((await stream.until(() => true)).detection);
      // Silent clients (no pong, no heartbeat) on fresh connections, on both threads (left to the kernel, all
      // twelve on one is a 1 in 2,048 draw).
      const silent = await openOverThreads(gw, 12, async (i) => {
        const c = await TestClient.open(gw.wsUrl(), { autoPong: false });
        await c.register(`ds-${i}`, 1500, 300);
        return c;
      });
      const owners = ((await call(gw, '/dashboard/api/clients?prefix=ds-&limit=50')).body as ClientPage).rows;
      expect(owners).toHaveLength(12);
      const threadOf = new Map(owners.map((r) => [r.client_id, r.thread as number]));
      expect(new Set(threadOf.values())).toEqual(new Set([0, 1]));
      for (const c of silent) expect((await c.closed).code).toBe(4000);
      // The feed names every silent client's expiry, whichever thread held it; the histogram counts all twelve.
      const expired = new Set<string>();
      const last = await stream.until((m) => {
        for (const e of m.tick.feed) if (e.kind === 'expired' && e.clientId?.startsWith('ds-')) expired.add(e.clientId);
        return expired.size === 12 && histogramTotal(m.detection) >= before + 12;
      });
      expect(new Set([...expired].map((id) => threadOf.get(id)))).toEqual(new Set([0, 1]));
      expect(last.detection.negative).toBe(0);
    } finally {
      for (const stream of streams) await stream.close();
    }
  });
});

function histogramTotal(panel: DetectionPanel): number {
  return panel.buckets.reduce((n, b) => n + b.count, 0);
}

interface StreamReader {
  /** The first tick message from now on that `match` accepts (within 15 s). */
  until(match: (message: TickMessage) => boolean): Promise<TickMessage>;
  close(): Promise<void>;
}

/** GET /dashboard/api/stream on a connection of its own, read tick by tick. */
async function openStream(gw: GatewayProcess): Promise<StreamReader> {
  const res = await fetch(gw.url('/dashboard/api/stream'), { headers: { connection: 'close' } });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  const nextTick = async (): Promise<TickMessage> => {
    for (;;) {
      const match = /event: tick\ndata: (.*)\n\n/.exec(buffered);
      if (match !== null) {
        buffered = buffered.slice(match.index + match[0].length);
        return JSON.parse(match[1]) as TickMessage;
      }
      const chunk = await reader.read();
      if (chunk.done) throw new Error('the stream ended');
      buffered += decoder.decode(chunk.value, { stream: true });
    }
  };
  return {
    async until(match) {
      const deadline = performance.now() + 15_000;
      while (performance.now() < deadline) {
        const message = await nextTick();
        if (match(message)) return message;
      }
      throw new Error('no matching tick within 15 s');
    },
    close: () => reader.cancel(),
  };
}
