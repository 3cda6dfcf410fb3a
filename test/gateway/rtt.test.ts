import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metric, startGateway, useGateway, type GatewayProcess } from './helpers/gateway-process.js';
import { holdSince, sleep, TestClient } from './helpers/ws-client.js';
import { SchedulingWitness } from '../helpers/scheduling-witness.js';
import { openOverThreads } from './helpers/thread-spread.js';

/**
 * Round trips of pings, end to end. The client holds each answer for a
 * known time (50 ms) and measures what it held with its own clock: the
 * gateway's round trip is that hold plus two loopback transits, so it can
 * never be below the hold (to the microsecond it reports), and the best of
 * several is within 1 ms of it plus the machine's wake-up latency, which
 * the client measures alongside. The upper bound per sample is generous: a
 * loaded 2-core machine can hold a frame in a run queue for tens of ms.
 */
const HOLD_MS = 50;
/** Per sample: a loaded 2-core machine can keep a frame in a run queue this long (as the expiry tests' bound). */
const LOADED_SLACK_MS = 250;
/** /status and the dashboard give ms to the microsecond. */
const ROUNDING_MS = 0.001;

interface StatusEntry {
  client_id: string;
  last_seen_ms_ago: number;
  status: string;
  rtt_ms: number | null;
  srtt_ms: number | null;
}

async function statusOf(gw: GatewayProcess, clientId: string): Promise<StatusEntry> {
  const body = JSON.parse((await gw.get('/status')).text) as { connections: StatusEntry[] };
  const entry = body.connections.find((e) => e.client_id === clientId);
  if (entry === undefined) throw new Error(`${clientId} is not in /status: ${JSON.stringify(body)}`);
  return entry;
}

/** Waits for the ka_ping with `seq`, holds it `holdMs`, answers with `answer(seq)`; resolves with the hold as the client measured it. */
async function answerPing(c: TestClient, clientId: string, seq: number, holdMs: number, answer: (seq: number) => object): Promise<number> {
  const ping = await c.next((m) => m.body.type === 'ka_ping' && m.body.client_id === clientId && m.body.seq === seq, 5000);
  await holdSince(ping.at, holdMs);
  c.send(answer(seq));
  return c.lastSent - ping.at;
}

/** Waits for a ka_ping newer than any received so far, then answers it as answerPing does. */
async function answerNextPing(c: TestClient, clientId: string, holdMs: number, answer: (seq: number) => object): Promise<number> {
  const seen = Math.max(0, ...c.ofType('ka_ping').map((m) => m.body.seq as number));
  const ping = await c.next((m) => m.body.type === 'ka_ping' && (m.body.seq as number) > seen, 5000);
  return answerPing(c, clientId, ping.body.seq as number, holdMs, answer);
}

/**
 * A request after the answer on the same socket: once it is answered, the
 * gateway has read the answer too. Resolves with the request's own round
 * trip as the client measured it (loopback transit both ways, now).
 */
async function settled(c: TestClient, clientId: string): Promise<number> {
  const reply = await c.request({ type: 'ka_heartbeat', client_id: clientId });
  return reply.at - c.lastSent;
}

/** SRTT as RFC 6298 computes it from the samples (alpha 1/8). */
function smoothed(samples: readonly number[]): number {
  let srtt = samples[0];
  for (const r of samples.slice(1)) srtt += (r - srtt) / 8;
  return srtt;
}

/*
 * What the client measures to compare: after each answer, 50 ms idle (as
 * long as the hold), then one request round trip (`settled`): the loopback
 * transit both ways into processes that slept, on this machine now.
 */
describe('RTT with --ping app (the default): ka_pong echoing the ka_ping seq', () => {
  const gw = useGateway({ args: ['--ping-jitter-ms', '0'] });

  it('ka_ping carries seq 1, 2, 3, ... per client', async () => {
    const c = await TestClient.open(gw.wsUrl());
    await c.register('seq-1', 5000, 100);
    for (const seq of [1, 2, 3]) {
      const ping = await c.next((m) => m.body.type === 'ka_ping' && m.body.seq === seq, 5000);
      expect(ping.text).toBe(`{"type": "ka_ping", "client_id": "seq-1", "seq": ${seq}}`);
      c.send({ type: 'ka_pong', client_id: 'seq-1', seq });
    }
    c.close();
  });

  it('reports each round trip at least the client hold, the best within 1 ms of it plus the measured wake-up latency; SRTT is the RFC 6298 average of them', async () => {
    // The gateway is shared with the other tests of this block: its histogram is read as a difference.
    const before = (await gw.get('/metrics')).text;
    const since = (text: string, series: string): number => metric(text, series) - metric(before, series);
    const witness = new SchedulingWitness();
    const c = await TestClient.open(gw.wsUrl());
    await c.register('rtt-1', 5000, 200);
    expect((await statusOf(gw, 'rtt-1')).rtt_ms).toBeNull();
    const reported: number[] = [];
    const held: number[] = [];
    const transit: number[] = [];
    for (let seq = 1; seq <= 6; seq++) {
      held.push(await answerPing(c, 'rtt-1', seq, HOLD_MS, (s) => ({ type: 'ka_pong', client_id: 'rtt-1', seq: s })));
      await settled(c, 'rtt-1');
      await sleep(HOLD_MS);
      transit.push(await settled(c, 'rtt-1'));
      const entry = await statusOf(gw, 'rtt-1');
      expect(entry.rtt_ms).not.toBeNull();
      reported.push(entry.rtt_ms as number);
      expect(entry.srtt_ms).toBeCloseTo(smoothed(reported), 2);
    }
    witness.stop();
    const excess = reported.map((r, i) => r - held[i]);
    const figures = `excess over the hold (ms): ${excess.map((x) => x.toFixed(2)).join(' ')}; cold loopback request round trips (ms): ${transit.map((x) => x.toFixed(2)).join(' ')}; the test's own timers up to ${witness.maxLateMs.toFixed(2)} ms late`;
    for (const e of excess) {
      expect(e, figures).toBeGreaterThanOrEqual(-ROUNDING_MS);
      expect(e, figures).toBeLessThan(LOADED_SLACK_MS);
    }
    // The excess is two loopback transits, each into a process that slept (the client for the ping,
    // the gateway for the pong): on a quiet machine ~0.2 ms. A loaded machine adds its wake-up
    // latency, measured alongside as the client's own round trip after the same idle time, and its
    // run-queue delays, which the best of six round trips did not always escape (at load 12: best excess
    // 4.03 ms, best round trip 0.55 ms): those are bounded by how late this process's own timers ran.
    expect(Math.min(...excess), figures).toBeLessThanOrEqual(1 + 2 * Math.min(...transit) + witness.maxLateMs);
    for (const r of reported) expect(r).toBeGreaterThanOrEqual(HOLD_MS - ROUNDING_MS);

    const text = (await gw.get('/metrics')).text;
    expect(since(text, 'keepwatch_rtt_seconds_count{via="message"}')).toBe(6);
    expect(since(text, 'keepwatch_rtt_seconds_count{via="frame"}')).toBe(0);
    const sum = since(text, 'keepwatch_rtt_seconds_sum{via="message"}') * 1000;
    expect(sum).toBeCloseTo(reported.reduce((a, b) => a + b, 0), 0);
    // Every sample is at least the 50 ms hold: the buckets below 0.05 s got none.
    expect(since(text, 'keepwatch_rtt_seconds_bucket{le="0.025",via="message"}')).toBe(0);
    expect(since(text, 'keepwatch_rtt_seconds_bucket{le="0.05",via="message"}')).toBe(reported.filter((r) => r <= 50).length);
    expect(since(text, 'keepwatch_rtt_seconds_bucket{le="+Inf",via="message"}')).toBe(6);
    c.close();
  });

  it('a ka_heartbeat echoing the seq measures the round trip too', async () => {
    const c = await TestClient.open(gw.wsUrl());
    await c.register('beat-1', 5000, 200);
    const hold = await answerPing(c, 'beat-1', 1, HOLD_MS, (seq) => ({ type: 'ka_heartbeat', client_id: 'beat-1', seq }));
    await settled(c, 'beat-1');
    const entry = await statusOf(gw, 'beat-1');
    expect(entry.rtt_ms as number).toBeGreaterThanOrEqual(hold - ROUNDING_MS);
    expect(entry.rtt_ms as number).toBeLessThan(hold + LOADED_SLACK_MS);
    expect(entry.srtt_ms).toBe(entry.rtt_ms);
    c.close();
  });

  it('answers without seq, with a stale seq, or a second echo measure nothing (and still keep the client)', async () => {
    const c = await TestClient.open(gw.wsUrl());
    await c.register('plain-1', 2000, 150);
    await answerPing(c, 'plain-1', 1, 0, () => ({ type: 'ka_pong', client_id: 'plain-1' }));
    await answerPing(c, 'plain-1', 2, 0, () => ({ type: 'ka_pong', client_id: 'plain-1', seq: 1 }));
    await settled(c, 'plain-1');
    expect((await statusOf(gw, 'plain-1')).rtt_ms).toBeNull();
    // seq 3 answered, then echoed again 100 ms later: the second echo is not a sample.
    await answerPing(c, 'plain-1', 3, 0, (seq) => ({ type: 'ka_pong', client_id: 'plain-1', seq }));
    await settled(c, 'plain-1');
    const first = (await statusOf(gw, 'plain-1')).rtt_ms as number;
    expect(first).toBeLessThan(LOADED_SLACK_MS);
    await sleep(100);
    c.send({ type: 'ka_pong', client_id: 'plain-1', seq: 3 });
    await settled(c, 'plain-1');
    expect((await statusOf(gw, 'plain-1')).rtt_ms).toBe(first);
    expect(c.isOpen).toBe(true);
    c.close();
  });

  it('a seq that is not a whole number is error 12 (ka_pong and ka_heartbeat alike); the connection stays', async () => {
    const c = await TestClient.open(gw.wsUrl());
    await c.register('bad-seq', 60_000, 30_000);
    for (const type of ['ka_pong', 'ka_heartbeat']) {
      const reply = await c.request({ type, client_id: 'bad-seq', seq: 'one' });
      expect(reply.body).toMatchObject({ type: 'error', code: 12 });
      expect(String(reply.body.text)).toContain("'seq'");
    }
    await settled(c, 'bad-seq');
    expect((await statusOf(gw, 'bad-seq')).rtt_ms).toBeNull();
    c.close();
  });
});

describe('RTT with --ping ws: the pong frame echoing the ping frame payload (the WebSocket stack answers)', () => {
  const gw = useGateway({ args: ['--ping-jitter-ms', '0', '--ping', 'ws'] });

  it('a ping frame carries the seq as its payload; a pong frame held 50 ms reports >= 50 ms, via="frame"', async () => {
    // autoPong off: this client answers ping frames itself, late, to show the gateway times the pong frame.
    const c = await TestClient.open(gw.wsUrl(), { autoPong: false });
    const payloads: string[] = [];
    const held: number[] = [];
    c.ws.on('ping', (data: Buffer) => {
      // The first two only: the round trip read below is then the second's.
      if (payloads.length >= 2) return;
      const at = performance.now();
      payloads.push(data.toString('latin1'));
      setTimeout(() => {
        // Stamped before the pong goes out, as TestClient.lastSent is: stamped after it, a test process
        // descheduled between the write and the stamp counted that delay into the hold (held 53.24 ms,
        // reported 51.32, with two busy loops beside the test).
        held.push(performance.now() - at);
        c.ws.pong(data);
      }, HOLD_MS);
    });
    await c.register('frame-1', 5000, 200);
    while (held.length < 2) await sleep(20);
    await settled(c, 'frame-1');
    expect(payloads.slice(0, 2)).toEqual(['1', '2']);
    const entry = await statusOf(gw, 'frame-1');
    expect(entry.rtt_ms as number).toBeGreaterThanOrEqual(held[1] - ROUNDING_MS);
    expect(entry.rtt_ms as number).toBeLessThan(held[1] + LOADED_SLACK_MS);
    expect(c.ofType('ka_ping')).toHaveLength(0);
    const text = (await gw.get('/metrics')).text;
    expect(metric(text, 'keepwatch_rtt_seconds_count{via="frame"}')).toBeGreaterThanOrEqual(2);
    expect(metric(text, 'keepwatch_rtt_seconds_count{via="message"}')).toBe(0);
    c.close();
  });

  it('a pong frame with another payload (unsolicited, or a stale ping) measures nothing', async () => {
    const c = await TestClient.open(gw.wsUrl(), { autoPong: false });
    c.ws.on('ping', () => c.ws.pong('999'));
    await c.register('frame-2', 5000, 150);
    await sleep(600);
    await settled(c, 'frame-2');
    expect((await statusOf(gw, 'frame-2')).rtt_ms).toBeNull();
    c.close();
  });
});

describe('RTT with --ping both: the ka_pong is measured, not the pong frame', () => {
  const gw = useGateway({ args: ['--ping-jitter-ms', '0', '--ping', 'both'] });

  it('the stack answers the frame at once, the application 50 ms later: the reported round trip is the application\'s', async () => {
    const c = await TestClient.open(gw.wsUrl());
    await c.register('both-1', 5000, 200);
    const hold = await answerPing(c, 'both-1', 1, HOLD_MS, (seq) => ({ type: 'ka_pong', client_id: 'both-1', seq }));
    await settled(c, 'both-1');
    expect(c.pings.length).toBeGreaterThanOrEqual(1);
    const entry = await statusOf(gw, 'both-1');
    expect(entry.rtt_ms as number).toBeGreaterThanOrEqual(hold - ROUNDING_MS);
    expect(entry.rtt_ms as number).toBeLessThan(hold + LOADED_SLACK_MS);
    c.close();
  });
});

describe('RTT with --threads 2: /status carries each thread\'s round trips', () => {
  let gw: GatewayProcess;
  const clients: TestClient[] = [];
  const ids = Array.from({ length: 12 }, (_, i) => `th-${String(i).padStart(2, '0')}`);
  const holds = new Map<string, number>();

  beforeAll(async () => {
    gw = await startGateway({ args: ['--threads', '2', '--ping-jitter-ms', '0'], startupTimeoutMs: 30_000 });
    // Both threads hold some (the kernel picks; 12 all on one would be a 1 in 2,048 draw).
    const opened = await openOverThreads(gw, ids.length, async (i) => {
      const c = await TestClient.open(gw.wsUrl());
      await c.register(ids[i], 10_000, 200);
      return c;
    });
    clients.push(...opened);
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) c.close();
    await gw.stop();
  });

  it('each client answers one ping 30 ms late, then stays silent: /status lists every round trip', async () => {
    await Promise.all(
      clients.map(async (c, i) => {
        holds.set(ids[i], await answerPing(c, ids[i], 1, 30, (seq) => ({ type: 'ka_pong', client_id: ids[i], seq })));
        await settled(c, ids[i]);
      }),
    );
    const health = JSON.parse((await gw.get('/healthz')).text) as { threads: { connections: number }[] };
    expect(health.threads.every((t) => t.connections > 0)).toBe(true);
    const body = JSON.parse((await gw.get('/status')).text) as { connections: StatusEntry[] };
    expect(body.connections.map((e) => e.client_id)).toEqual(ids);
    for (const e of body.connections) {
      const hold = holds.get(e.client_id) as number;
      expect(Object.keys(e)).toEqual(['client_id', 'last_seen_ms_ago', 'status', 'rtt_ms', 'srtt_ms']);
      expect(e.rtt_ms as number).toBeGreaterThanOrEqual(hold - ROUNDING_MS);
      expect(e.rtt_ms as number).toBeLessThan(hold + LOADED_SLACK_MS);
      expect(e.srtt_ms).toBe(e.rtt_ms);
    }
    const text = (await gw.get('/metrics')).text;
    expect(metric(text, 'keepwatch_rtt_seconds_count{via="message"}')).toBe(ids.length);
  });
});
