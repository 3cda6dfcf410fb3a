import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metric, startGateway, type GatewayProcess } from './helpers/gateway-process.js';
import { TestClient } from './helpers/ws-client.js';

interface StatusBody {
  total: number;
  offset: number;
  count: number;
  connections: { client_id: string; last_seen_ms_ago: number; status: string; rtt_ms: number | null; srtt_ms: number | null }[];
}

describe('gateway HTTP on the WebSocket port', () => {
  let gw: GatewayProcess;
  const ids = Array.from({ length: 2500 }, (_, i) => `h-${String(i).padStart(4, '0')}`);
  let edges: TestClient[];
  beforeAll(async () => {
    gw = await startGateway({ args: ['--shards', '4'] });
    // Two edges taking turns, 50 registrations each: status must merge shards and connections in registration order.
    edges = [await TestClient.open(gw.wsUrl()), await TestClient.open(gw.wsUrl())];
    for (let from = 0; from < ids.length; from += 50) {
      const edge = edges[(from / 50) % 2];
      for (const id of ids.slice(from, from + 50)) edge.send({ type: 'ka_register', client_id: id, timeout_ms: 60000, ping_interval_ms: 30000 });
      await edge.request({ type: 'ka_check' });
    }
  });
  afterAll(async () => {
    edges.forEach((e) => e.close());
    await gw.stop();
  });

  it('GET /healthz', async () => {
    const res = await gw.get('/healthz');
    expect(res.status).toBe(200);
    const { threads, ...whole } = JSON.parse(res.text) as { threads?: { status: string; connections: number; clients: number }[] };
    expect(whole).toEqual({ status: 'ok', uws: 'native', connections: 2, clients: 2500 });
    // With --threads N, each thread is listed too, and the threads add up to the whole.
    if (gw.startup.threads === 1) expect(threads).toBeUndefined();
    else {
      expect(threads).toHaveLength(gw.startup.threads as number);
      expect(threads?.every((t) => t.status === 'ok')).toBe(true);
      expect(threads?.reduce((n, t) => n + t.clients, 0)).toBe(2500);
      expect(threads?.reduce((n, t) => n + t.connections, 0)).toBe(2);
    }
  });

  it('GET /status lists every client across all shards in registration order, streamed', async () => {
    const res = await gw.get('/status');
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('application/json');
    const body = JSON.parse(res.text) as StatusBody;
    expect(body.total).toBe(2500);
    expect(body.count).toBe(2500);
    expect(body.connections.map((e) => e.client_id)).toEqual(ids);
    for (const e of body.connections) {
      expect(Object.keys(e)).toEqual(['client_id', 'last_seen_ms_ago', 'status', 'rtt_ms', 'srtt_ms']);
      expect(e.status).toBe('active');
      // Never pinged (interval 30 s): no round trip measured yet.
      expect(e.rtt_ms).toBeNull();
      expect(e.srtt_ms).toBeNull();
      expect(e.last_seen_ms_ago).toBeGreaterThanOrEqual(0);
    }
  });

  it('GET /status pages with offset and limit', async () => {
    const page = JSON.parse((await gw.get('/status?offset=1000&limit=1200')).text) as StatusBody;
    expect(page).toMatchObject({ total: 2500, offset: 1000, count: 1200 });
    expect(page.connections.map((e) => e.client_id)).toEqual(ids.slice(1000, 2200));
    const tail = JSON.parse((await gw.get('/status?offset=2400&limit=1000')).text) as StatusBody;
    expect(tail.connections.map((e) => e.client_id)).toEqual(ids.slice(2400));
    const past = JSON.parse((await gw.get('/status?offset=9999')).text) as StatusBody;
    expect(past).toMatchObject({ total: 2500, offset: 2500, count: 0, connections: [] });
    expect((await gw.get('/status?limit=-1')).status).toBe(400);
    expect((await gw.get('/status?offset=abc')).status).toBe(400);
    // Decimal digits only, as every operator-facing number (src/protocol/decimal-whole.ts): Number() takes these.
    for (const lenient of ['0x10', '1e1', '%204', '4.0']) expect((await gw.get(`/status?limit=${lenient}`)).status, lenient).toBe(400);
  });

  it('GET /metrics serves Prometheus text with the gateway metrics and event-loop delay', async () => {
    const res = await gw.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.contentType).toContain('text/plain');
    const text = res.text;
    expect(metric(text, 'keepwatch_connections')).toBe(2);
    expect(metric(text, 'keepwatch_clients{state="active"}')).toBe(2500);
    expect(metric(text, 'keepwatch_clients{state="pinged"}')).toBe(0);
    for (const name of [
      '# TYPE keepwatch_expiries_total counter',
      '# TYPE keepwatch_connection_closes_total counter',
      '# TYPE keepwatch_pings_sent_total counter',
      '# TYPE keepwatch_heartbeats_total counter',
      '# TYPE keepwatch_sweep_latency_seconds histogram',
      '# TYPE keepwatch_detection_delay_seconds histogram',
      '# TYPE nodejs_eventloop_lag_seconds gauge',
      '# TYPE nodejs_eventloop_lag_p99_seconds gauge',
    ]) {
      expect(text).toContain(name);
    }
  });

  it('counts heartbeats and protocol errors', async () => {
    const before = (await gw.get('/metrics')).text;
    for (let i = 0; i < 10; i++) edges[0].send({ type: 'ka_heartbeat', client_id: ids[0] });
    await edges[0].request({ type: 'ka_heartbeat', client_id: 'nobody' });
    const after = (await gw.get('/metrics')).text;
    expect(metric(after, 'keepwatch_heartbeats_total') - metric(before, 'keepwatch_heartbeats_total')).toBe(10);
    expect(metric(after, 'keepwatch_protocol_errors_total{code="20"}') - metric(before, 'keepwatch_protocol_errors_total{code="20"}')).toBe(1);
  });
});
