import { describe, expect, it } from 'vitest';
import { movesChannel } from '../../src/cluster/key-layout.js';
import { metric, type GatewayProcess } from '../gateway/helpers/gateway-process.js';
import { sleep, TestClient } from '../gateway/helpers/ws-client.js';
import { useFleet, type Fleet } from './helpers/fleet.js';

describe.each(['standalone', 'cluster'] as const)('takeover across gateways (Redis %s)', (kind) => {
  let fleet: Fleet;
  let gateways: GatewayProcess[];
  useFleet(kind, (started, gws) => ([fleet, gateways] = [started, gws]), 90_000);

  it('a client registering on another gateway takes its id over once; the old socket gets ka_moved and 4001', async () => {
    const [a, b, c] = gateways;
    const onA = await TestClient.open(a.wsUrl());
    expect((await onA.register('phone-1', 60_000)).body.type).toBe('ka_register_ok');
    await fleet.checkInvariant([a, b, c]);
    expect((await fleet.owners()).get('phone-1')).toBe(await fleet.incarnationOf(a));

    const onB = await TestClient.open(b.wsUrl());
    const sent = performance.now();
    expect((await onB.register('phone-1', 60_000)).body.type).toBe('ka_register_ok');
    const moved = await onA.next((m) => m.body.type === 'ka_moved');
    expect(moved.text).toBe('{"type": "ka_moved", "client_id": "phone-1"}');
    const closed = await onA.closed;
    expect(closed).toMatchObject({ code: 4001, reason: 'client moved to another connection' });
    // Loopback, idle machine: well under a second (the bench measures the distribution).
    expect(closed.at - sent).toBeLessThan(1000);

    await fleet.checkInvariant([a, b, c]);
    expect((await fleet.owners()).get('phone-1')).toBe(await fleet.incarnationOf(b));
    const events = (await fleet.events()).filter((e) => e.client_id === 'phone-1');
    expect(events.map((e) => e.type)).toEqual(['join', 'move']);
    expect(events[1]).toMatchObject({ from: await fleet.incarnationOf(a), to: await fleet.incarnationOf(b) });
    expect(metric((await b.get('/metrics')).text, 'keepwatch_cluster_takeovers_total{side="won"}')).toBe(1);
    expect(metric((await a.get('/metrics')).text, 'keepwatch_cluster_takeovers_total{side="lost"}')).toBe(1);
    // A listens on every master: the claim script's PUBLISH reaches it from the master that ran it,
    // not only relayed over the cluster bus (whose Nagle stalls were a 40 ms takeover tail).
    const servers = kind === 'cluster' ? 3 : 1;
    expect(fleet.subscribersPerServer(movesChannel(await fleet.incarnationOf(a)))).toEqual(new Array<number>(servers).fill(1));
    // The new owner serves it; the old gateway no longer knows it.
    expect((await onB.request({ type: 'ka_heartbeat', client_id: 'phone-1' })).body.type).toBe('ka_heartbeat_ok');
    expect((await a.get('/status')).text).not.toContain('phone-1');
    onB.close();
    await onB.closed;
    await fleet.checkInvariant([a, b, c]);
    expect((await fleet.owners()).has('phone-1')).toBe(false);
    expect((await fleet.events()).filter((e) => e.client_id === 'phone-1').map((e) => e.type)).toEqual(['join', 'move', 'leave']);
  });

  it('GET /status?scope=cluster lists the fleet with each client\'s owner node; GET /cluster lists the nodes', async () => {
    const [a, b, c] = gateways;
    const clients = await Promise.all(
      [a, b, c].map(async (gw, i) => {
        const conn = await TestClient.open(gw.wsUrl());
        await conn.register(`view-${i}`, 60_000);
        return conn;
      }),
    );
    await fleet.checkInvariant([a, b, c]);
    const page = JSON.parse((await c.get('/status?scope=cluster')).text) as {
      total: number;
      clients: { client_id: string; node_id: string; last_seen_ms_ago: number }[];
    };
    expect(page.total).toBe(3);
    expect(page.clients.map((x) => `${x.client_id}@${x.node_id}`).sort()).toEqual(['view-0@gw-a', 'view-1@gw-b', 'view-2@gw-c']);
    // Last-seen reaches Redis in the once-a-second batch: a heartbeat shows, silence ages.
    await sleep(2500);
    await clients[1].request({ type: 'ka_heartbeat', client_id: 'view-1' });
    await sleep(2000);
    const seen = JSON.parse((await a.get('/status?scope=cluster')).text) as typeof page;
    const ago = new Map(seen.clients.map((x) => [x.client_id, x.last_seen_ms_ago]));
    expect(ago.get('view-1')).toBeLessThan(2000 + 1000);
    expect(ago.get('view-0')).toBeGreaterThanOrEqual(4000);
    expect(ago.get('view-0')! - ago.get('view-1')!).toBeGreaterThanOrEqual(1500);
    const second = JSON.parse((await c.get('/status?scope=cluster&offset=1&limit=1')).text) as { total: number; count: number };
    expect(second).toMatchObject({ total: 3, count: 1 });
    const view = JSON.parse((await a.get('/cluster')).text) as { nodes: { node_id: string; lease_age_ms: number; clients: number }[] };
    expect(view.nodes.map((n) => n.node_id).sort()).toEqual(['gw-a', 'gw-b', 'gw-c']);
    for (const n of view.nodes) expect(n.lease_age_ms).toBeLessThan(3000);
    for (const conn of clients) conn.close();
    await Promise.all(clients.map((conn) => conn.closed));
    await fleet.checkInvariant([a, b, c]);
  });
});
