import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metric, startGateway, type GatewayProcess, type LogLine } from './helpers/gateway-process.js';
import { sleep, TestClient } from './helpers/ws-client.js';
import { openOverThreads } from './helpers/thread-spread.js';

interface HealthBody {
  status: string;
  connections: number;
  clients: number;
  threads: { thread: number; status: string; connections: number; clients: number }[];
}

/** Each I/O thread loads the gateway's modules (~0.2 s of CPU): generous on a loaded 2-core machine. */
const STARTUP_MS = 30_000;
/** How long each thread holds its registration batch in the tests of a late relay (KEEPWATCH_TEST_CLAIMS_DELAY_MS; at most 10 s). */
const CLAIMS_HELD_MS = 10_000;

const health = async (gw: GatewayProcess): Promise<HealthBody> => JSON.parse((await gw.get('/healthz')).text) as HealthBody;

/**
 * Polls until `check` passes (real threads answer on their own time); once
 * `timeoutMs` has passed, throws with the check, `context` and the last
 * value read, so that a failure says what was seen.
 */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 5000, context = ''): Promise<T> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (performance.now() >= until) throw new Error(`not within ${timeoutMs} ms: ${check.toString()}${context === '' ? '' : ` (${context})`}; last read: ${JSON.stringify(value)}`);
    await sleep(50);
  }
}

describe('gateway with --threads 2: two I/O threads on one port', () => {
  let gw: GatewayProcess;
  const clients: TestClient[] = [];
  const ids = Array.from({ length: 24 }, (_, i) => `t-${String(i).padStart(2, '0')}`);

  beforeAll(async () => {
    gw = await startGateway({ args: ['--threads', '2', '--ping-jitter-ms', '0'], startupTimeoutMs: STARTUP_MS });
    // One connection per client, registered one after the other: the kernel spreads the connections over the threads.
    for (const id of ids) {
      const c = await TestClient.open(gw.wsUrl());
      await c.register(id, 60_000, 30_000);
      clients.push(c);
    }
  }, 2 * STARTUP_MS);
  afterAll(async () => {
    for (const c of clients) c.close();
    await gw.stop();
  });

  it('spreads connections over both threads; /healthz reports each thread and the sum', async () => {
    const h = await health(gw);
    expect(h.status).toBe('ok');
    expect(h.connections).toBe(ids.length);
    expect(h.clients).toBe(ids.length);
    expect(h.threads.map((t) => t.thread)).toEqual([0, 1]);
    expect(h.threads.every((t) => t.status === 'ok')).toBe(true);
    // 24 connections all on one thread would be a 1 in 2^23 draw: both threads serve some.
    expect(h.threads.every((t) => t.connections > 0)).toBe(true);
    expect(h.threads[0].clients + h.threads[1].clients).toBe(ids.length);
  });

  it('/metrics is one scrape for the process: per-thread series summed, process series once', async () => {
    for (const c of clients) await c.request({ type: 'ka_heartbeat', client_id: ids[clients.indexOf(c)] });
    const text = (await gw.get('/metrics')).text;
    expect(metric(text, 'keepwatch_connections')).toBe(ids.length);
    expect(metric(text, 'keepwatch_clients{state="active"}')).toBe(ids.length);
    expect(metric(text, 'keepwatch_heartbeats_total')).toBeGreaterThanOrEqual(ids.length);
    expect(metric(text, 'keepwatch_thread_failures_total')).toBe(0);
    // Process-wide figures appear once, not once per thread.
    expect(text.split('\n').filter((l) => l.startsWith('process_cpu_user_seconds_total ')).length).toBe(1);
    expect(text.split('\n').filter((l) => l.startsWith('keepwatch_connections ')).length).toBe(1);
  });

  it('/status lists every client of every thread in registration order, and pages', async () => {
    const body = JSON.parse((await gw.get('/status')).text) as { total: number; connections: { client_id: string }[] };
    expect(body.total).toBe(ids.length);
    expect(body.connections.map((e) => e.client_id)).toEqual(ids);
    const page = JSON.parse((await gw.get('/status?offset=5&limit=7')).text) as { count: number; connections: { client_id: string }[] };
    expect(page.connections.map((e) => e.client_id)).toEqual(ids.slice(5, 12));
  });

  it('expires a silent client on whichever thread holds it (4000), the others untouched', async () => {
    const c = await TestClient.open(gw.wsUrl(), { autoPong: false });
    await c.register('t-silent', 300, 60_000);
    const closed = await c.closed;
    expect(closed).toMatchObject({ code: 4000, reason: 'keepalive timeout' });
    expect(clients.every((x) => x.isOpen)).toBe(true);
    const h = await eventually(() => health(gw), (x) => x.clients === ids.length);
    expect(h.clients).toBe(ids.length);
  });
});

describe('gateway with --threads 2: a client_id registered again on another thread moves there', () => {
  let gw: GatewayProcess;
  beforeAll(async () => {
    gw = await startGateway({ args: ['--threads', '2'], startupTimeoutMs: STARTUP_MS });
  }, 2 * STARTUP_MS);
  afterAll(async () => {
    await gw.stop();
  });

  it('each later registration takes the client; every earlier connection gets ka_moved and 4001; one holder at the end', async () => {
    // At least 8 connections in turn, more until both threads took some (the kernel picks: 8 all on one is a 1 in 128 draw,
    // seen at 10:53 on 3 Dec), so that some consecutive ones sit on different threads.
    const conns: TestClient[] = [];
    const threadOf: number[] = [];
    try {
      for (let i = 0; i < 40 && (i < 8 || new Set(threadOf).size < 2); i++) {
        // Has the previous registration's move (its old connection closed) in it: a collection flushes every thread's claims first.
        const before = await health(gw);
        const c = await TestClient.open(gw.wsUrl());
        conns.push(c);
        // The total and the per-thread counts are read from each thread in turn: wait until the
        // thread that took the connection shows it too, not only the total.
        const tookIt = (h: typeof before) => h.threads.findIndex((t, k) => t.connections > before.threads[k].connections);
        const after = await eventually(() => health(gw), (h) => h.connections === before.connections + 1 && tookIt(h) >= 0, 5000, `connection ${i}; before it: ${JSON.stringify(before)}`);
        threadOf.push(tookIt(after));
        expect((await c.register('mover', 60_000)).body.type).toBe('ka_register_ok');
      }
      expect(new Set(threadOf).size).toBe(2);
      for (const old of conns.slice(0, -1)) {
        expect((await old.next((m) => m.body.type === 'ka_moved', 5000)).text).toBe('{"type": "ka_moved", "client_id": "mover"}');
        expect(await old.closed).toMatchObject({ code: 4001, reason: 'client moved to another connection' });
      }
      const last = conns[conns.length - 1];
      expect((await last.request({ type: 'ka_heartbeat', client_id: 'mover' })).body.type).toBe('ka_heartbeat_ok');
      expect((await health(gw)).clients).toBe(1);
      const status = JSON.parse((await gw.get('/status')).text) as { connections: { client_id: string }[] };
      expect(status.connections.map((e) => e.client_id)).toEqual(['mover']);
      expect(metric((await gw.get('/metrics')).text, 'keepwatch_client_moves_total')).toBe(conns.length - 1);
    } finally {
      // A failure here must not leave 'mover' registered for the next test to count (it did: 2 clients where 1 was expected).
      for (const c of conns) c.close();
    }
  });

  it('two connections registering one id at the same instant: exactly one keeps it, the other is told', async () => {
    await eventually(() => health(gw), (x) => x.clients === 0, 5000, 'the previous test closed its connections');
    for (let round = 0; round < 5; round++) {
      const id = `race-${round}`;
      const [a, b] = [await TestClient.open(gw.wsUrl()), await TestClient.open(gw.wsUrl())];
      try {
        await Promise.all([a.register(id, 60_000), b.register(id, 60_000)]);
        // Both replies are in: the next collection has the move in it (the claims are flushed before it is asked).
        expect((await health(gw)).clients).toBe(1);
        const closed = await Promise.race([a.closed.then(() => a), b.closed.then(() => b)]);
        const kept = closed === a ? b : a;
        expect(closed.closedWith?.code).toBe(4001);
        expect(closed.ofType('ka_moved')).toHaveLength(1);
        expect((await kept.request({ type: 'ka_heartbeat', client_id: id })).body.type).toBe('ka_heartbeat_ok');
      } finally {
        a.close();
        b.close();
      }
      await eventually(() => health(gw), (x) => x.clients === 0);
    }
  });
});

describe('gateway with --threads 2: a move is in the next /healthz and /status, however late the thread relays it', () => {
  let gw: GatewayProcess;
  beforeAll(async () => {
    // Each thread holds its claims 10 s (test hook): as if preempted right after answering a registration, for longer than any request here takes.
    gw = await startGateway({ args: ['--threads', '2'], env: { KEEPWATCH_TEST_CLAIMS_DELAY_MS: String(CLAIMS_HELD_MS) }, startupTimeoutMs: STARTUP_MS });
  }, 2 * STARTUP_MS);
  afterAll(async () => {
    await gw.stop();
  });

  /** `id` registered on a connection of thread 0, then again on one of thread 1 (the kernel picks: connections are opened until both threads hold one). */
  async function moveAcross(id: string, opened: TestClient[]): Promise<{ from: TestClient; to: TestClient }> {
    const byThread: (TestClient | undefined)[] = [undefined, undefined];
    for (let i = 0; i < 40 && byThread.includes(undefined); i++) {
      const before = await health(gw);
      const c = await TestClient.open(gw.wsUrl());
      opened.push(c);
      const after = await eventually(() => health(gw), (h) => h.connections === before.connections + 1, 5000, `before it: ${JSON.stringify(before)}`);
      byThread[after.threads.findIndex((t, k) => t.connections > before.threads[k].connections)] ??= c;
    }
    const [from, to] = byThread as [TestClient, TestClient];
    expect((await from.register(id, 60_000)).body.type).toBe('ka_register_ok');
    expect((await to.register(id, 60_000)).body.type).toBe('ka_register_ok');
    // Not moved yet (the claims are held): what follows shows that the next request moves it.
    expect(from.ofType('ka_moved')).toHaveLength(0);
    return { from, to };
  }

  it('the /healthz after the reply counts the client once, on its new thread, and its old connection is closed 4001', async () => {
    const opened: TestClient[] = [];
    try {
      const { from, to } = await moveAcross('held', opened);
      const h = await health(gw);
      expect(h.clients, JSON.stringify(h)).toBe(1);
      expect(h.threads.map((t) => t.clients)).toEqual([0, 1]);
      expect(h.connections).toBe(opened.length - 1);
      expect((await from.next((m) => m.body.type === 'ka_moved', 1000)).text).toBe('{"type": "ka_moved", "client_id": "held"}');
      expect(await from.closed).toMatchObject({ code: 4001 });
      expect((await to.request({ type: 'ka_heartbeat', client_id: 'held' })).body.type).toBe('ka_heartbeat_ok');
    } finally {
      for (const c of opened) c.close();
    }
  });

  it('the /status after the reply lists the client once', async () => {
    const opened: TestClient[] = [];
    try {
      await eventually(() => health(gw), (h) => h.connections === 0);
      const { from } = await moveAcross('listed', opened);
      const status = JSON.parse((await gw.get('/status')).text) as { total: number; connections: { client_id: string }[] };
      expect(status.connections.map((e) => e.client_id)).toEqual(['listed']);
      expect(status.total).toBe(1);
      expect(await from.closed).toMatchObject({ code: 4001 });
    } finally {
      for (const c of opened) c.close();
    }
  });
});

describe('the default number of I/O threads', () => {
  /** The product's default: the test run's own --threads (KEEPWATCH_TEST_THREADS) left out. */
  const DEFAULT = { KEEPWATCH_TEST_THREADS: '' };

  it('without --threads, serve runs one I/O thread per available core (os.availableParallelism)', async () => {
    const gw = await startGateway({ env: DEFAULT, startupTimeoutMs: STARTUP_MS });
    try {
      expect(gw.startup.threads).toBe(availableParallelism());
      const h = await health(gw);
      if (availableParallelism() > 1) expect(h.threads.map((t) => t.thread)).toEqual([...Array(availableParallelism()).keys()]);
      else expect(h.threads).toBeUndefined();
      const c = await TestClient.open(gw.wsUrl());
      expect((await c.register('default-1', 60_000)).body.type).toBe('ka_register_ok');
      c.close();
    } finally {
      await gw.stop();
    }
  }, 2 * STARTUP_MS);

  it('--admin-port with --threads 2: one admin listener (I/O thread 0) answers for both threads; the gateway port serves no admin route; it comes back when thread 0 fails', async () => {
    const gw = await startGateway({ args: ['--threads', '2', '--admin-port', '0'], startupTimeoutMs: STARTUP_MS });
    const conns: TestClient[] = [];
    try {
      expect(gw.startup.threads).toBe(2);
      const adminPort = gw.startup.adminPort as number;
      expect(typeof adminPort).toBe('number');
      const admin = async (path: string): Promise<Response> => fetch(`http://127.0.0.1:${adminPort}${path}`, { signal: AbortSignal.timeout(10_000) });
      // Connections until both threads hold clients (the kernel picks).
      for (let i = 0; i < 40 && !(await health(gw)).threads.every((t) => t.clients > 0); i++) {
        const c = await TestClient.open(gw.wsUrl());
        await c.register(`adm-${i}`, 60_000, 30_000);
        conns.push(c);
      }
      const h = await health(gw);
      expect(h.threads.every((t) => t.clients > 0)).toBe(true);
      const status = (await (await admin('/status')).json()) as { total: number; connections: { client_id: string }[] };
      expect(status.total).toBe(conns.length);
      expect(status.connections.map((c) => c.client_id)).toEqual(conns.map((_, i) => `adm-${i}`));
      expect(metric(await (await admin('/metrics')).text(), 'keepwatch_connections')).toBe(conns.length);
      expect((await gw.get('/status')).status).toBe(404);
      // Thread 0 (the admin listener's) fails: its replacement listens on the same admin port.
      let failed = -1;
      const failures = (): LogLine[] => gw.logs.filter((l) => l.event === 'thread_failed');
      for (let tries = 0; tries < 20 && failed !== 0; tries++) {
        const before = failures().length;
        // A pooled keep-alive connection the previous failure's thread held is reset under the request: ask again, as a client would.
        const thrown = await eventually(
          () => gw.get('/test/throw').then((r) => r.status, () => 0),
          (code) => code === 200,
          5000,
        );
        expect(thrown).toBe(200);
        // This throw's line, past or future (matching on the count alone found the first failure's line again once this one was in: 'expected 1 to be 0').
        const line = await gw.waitForLog((l) => l.event === 'thread_failed' && failures().indexOf(l) >= before);
        failed = line.thread as number;
        await gw.waitForLog((l) => l.event === 'thread_started' && l.thread === failed && l.at > line.at, 10_000);
      }
      expect(failed).toBe(0);
      const again = await eventually(
        () => admin('/status?limit=0').then((r) => r.status, () => 0),
        (code) => code === 200,
        5000,
      );
      expect(again).toBe(200);
    } finally {
      conns.forEach((c) => c.close());
      await gw.stop();
    }
  }, 3 * STARTUP_MS);
});

describe('gateway with --threads 2: faults and shutdown', () => {
  it('a thread that throws is replaced within a second; its clients are closed (4020) and counted, the other thread\'s untouched', async () => {
    const gw = await startGateway({ args: ['--threads', '2'], startupTimeoutMs: STARTUP_MS });
    try {
      const clients: TestClient[] = [];
      for (let i = 0; i < 16; i++) {
        const c = await TestClient.open(gw.wsUrl());
        await c.register(`f-${i}`, 60_000, 30_000);
        clients.push(c);
      }
      const before = await health(gw);
      // The throw lands on whichever thread the kernel gives this connection.
      const thrownAt = performance.now();
      expect((await gw.get('/test/throw')).status).toBe(200);
      const failed = await gw.waitForLog((l) => l.event === 'thread_failed');
      const thread = failed.thread as number;
      const lost = before.threads[thread];
      const replaced = await gw.waitForLog((l) => l.event === 'thread_started' && l.thread === thread, 5000);
      expect(replaced.at - thrownAt).toBeLessThan(1000 + 1500); // within a second of the failure, with slack for a loaded machine
      await eventually(async () => clients.filter((c) => !c.isOpen).length, (n) => n === lost.connections, 3000);
      const gone = clients.filter((c) => !c.isOpen);
      const kept = clients.filter((c) => c.isOpen);
      expect(gone.length).toBe(lost.connections);
      for (const c of gone) expect(c.closedWith?.code).toBe(4020);
      // The other thread's clients still heartbeat; the process serves on.
      for (const c of kept) expect((await c.request({ type: 'ka_heartbeat', client_id: idOf(clients, c) })).body.type).toBe('ka_heartbeat_ok');
      const after = await eventually(() => health(gw), (h) => h.threads.every((t) => t.status === 'ok'));
      expect(after.clients).toBe(kept.length);
      const text = (await gw.get('/metrics')).text;
      expect(metric(text, 'keepwatch_thread_failures_total')).toBe(1);
      expect(metric(text, 'keepwatch_client_removals_total{reason="thread_failed"}')).toBe(lost.clients);
      const fresh = await TestClient.open(gw.wsUrl());
      expect((await fresh.register('f-new', 60_000)).body.type).toBe('ka_register_ok');
      for (const c of [...kept, fresh]) c.close();
    } finally {
      await gw.stop();
    }
  }, 2 * STARTUP_MS);

  it('a failed thread serves again within a second, seen from outside: a new connection lands on it and works', async () => {
    const gw = await startGateway({ args: ['--threads', '2'], startupTimeoutMs: STARTUP_MS });
    try {
      // The supervisor keeps a spare thread with its modules loaded (loading them is the slow part of a start).
      await gw.waitForLog((l) => l.event === 'spare_ready', STARTUP_MS);
      expect((await gw.get('/test/throw')).status).toBe(200);
      // The thread throws right after answering.
      const thrownAt = performance.now();
      const thread = (await gw.waitForLog((l) => l.event === 'thread_failed')).thread as number;
      // Until the replacement listens, the kernel gives every new connection to the other thread. A connection
      // still in the failed thread's accept queue when it closes its listen socket is reset by the kernel
      // (SO_REUSEPORT hands queued connections to no sibling), and one it accepted is closed with 4020: a
      // client reconnects, as this loop does; every other attempt must succeed.
      let servedAt = 0;
      let lostInTheFailure = 0;
      const opened: TestClient[] = [];
      for (let i = 0; servedAt === 0 && performance.now() - thrownAt < 10_000; i++) {
        let c: TestClient;
        try {
          c = await TestClient.open(gw.wsUrl());
          opened.push(c);
          const closed = c.closed.then((how) => Promise.reject(new Error(`closed before the reply (${how.code})`)));
          expect((await Promise.race([c.register(`r-${i}`, 60_000), closed])).body.type).toBe('ka_register_ok');
        } catch (error) {
          const reset = /ECONNRESET|socket hang up|closed before the reply \((4020|1006)\)/i.test(String(error));
          if (!reset || performance.now() - thrownAt > 1000) throw error;
          lostInTheFailure++;
          continue;
        }
        // The /healthz request may ride a pooled keep-alive connection that the failed thread held:
        // closed under it ("other side closed"). A client asks again, as this loop does.
        const h = await health(gw).catch((error: unknown) => {
          if (!/fetch failed/.test(String(error)) || performance.now() - thrownAt > 1000) throw error;
          return undefined;
        });
        if (h !== undefined && h.threads[thread].status === 'ok' && h.threads[thread].connections > 0) servedAt = performance.now();
      }
      expect(lostInTheFailure).toBeLessThan(5);
      const replacedAfterMs = servedAt - thrownAt;
      // The figure the README quotes; the log lines say where the time went.
      console.log(`thread ${thread} serving again ${Math.round(replacedAfterMs)} ms after the throw (${lostInTheFailure} attempts reset meanwhile); supervisor: failed -> started in ${startedIn(gw, thread)} ms`);
      expect(servedAt).toBeGreaterThan(0);
      // Target 1 s: 2.3-5.1 s at load 12 with a cold start; 0.24-0.6 s with the warm spare (the supervisor's part: under 15 ms).
      expect(replacedAfterMs).toBeLessThan(1000);
      expect(metric((await gw.get('/metrics')).text, 'keepwatch_thread_failures_total')).toBe(1);
      for (const c of opened) c.close();
    } finally {
      await gw.stop();
    }
  }, 2 * STARTUP_MS);

  it('SIGTERM closes every client of every thread with 1001 and exits 0 without the uv_loop_close abort', async () => {
    const gw = await startGateway({ args: ['--threads', '2'], startupTimeoutMs: STARTUP_MS });
    // Both threads hold some (the kernel picks; 12 all on one would be a 1 in 2,048 draw).
    const clients = await openOverThreads(gw, 12, async (i) => {
      const c = await TestClient.open(gw.wsUrl());
      await c.register(`s-${i}`, 60_000);
      return c;
    });
    expect((await health(gw)).threads.every((t) => t.connections > 0)).toBe(true);
    const signalledAt = performance.now();
    process.kill(gw.pid, 'SIGTERM');
    const exit = await gw.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.at - signalledAt).toBeLessThan(3000 + 2000);
    for (const c of clients) expect((await c.closed).code).toBe(1001);
    expect(gw.logs.some((l) => typeof l.raw === 'string' && l.raw.includes('uv_loop_close'))).toBe(false);
    expect(gw.logs.some((l) => l.event === 'stopped')).toBe(true);
  }, 2 * STARTUP_MS);
});

/** Milliseconds between the supervisor's thread_replaced and thread_started lines for `thread` (by their own clock). */
function startedIn(gw: GatewayProcess, thread: number): number {
  const time = (event: string): number => Number(gw.logs.find((l) => l.event === event && l.thread === thread)?.time);
  return time('thread_started') - time('thread_replaced');
}

function idOf(clients: TestClient[], c: TestClient): string {
  return `f-${clients.indexOf(c)}`;
}
