import { describe, expect, it } from 'vitest';
import { metric, useGateway } from './helpers/gateway-process.js';
import { sleep, TestClient } from './helpers/ws-client.js';

/** Answers every ka_ping with ka_pong, as an application-level client does. */
function answerAppPings(c: TestClient, clientId: string): void {
  c.ws.on('message', (data) => {
    if ((data as Buffer).toString('utf8').includes('"ka_ping"')) c.send({ type: 'ka_pong', client_id: clientId });
  });
}

describe('--ping app (the default): one ka_ping per interval, no ping frame', () => {
  const gw = useGateway({ args: ['--ping-jitter-ms', '0'] });

  it('a client that answers ka_ping stays; it never receives a ping frame', async () => {
    const c = await TestClient.open(gw.wsUrl());
    answerAppPings(c, 'app-1');
    await c.register('app-1', 600, 100);
    await sleep(2000); // over three timeouts
    expect(c.isOpen).toBe(true);
    expect(c.ofType('ka_ping').length).toBeGreaterThanOrEqual(3);
    expect(c.pings).toHaveLength(0);
    c.close();
  });

  it('a lone client that answers each ka_ping is pinged again one interval after its answer, not when its expiry nears', async () => {
    // Timeout 5 s, interval 100 ms: the gateway's timer was armed for the expiry while the client sat
    // pinged; the answer must re-arm it for the next ping (it used to come ~5 s later, near the deadline).
    const c = await TestClient.open(gw.wsUrl());
    await c.register('app-again', 5000, 100);
    for (let seq = 1; seq <= 4; seq++) {
      const ping = await c.next((m) => m.body.type === 'ka_ping' && m.body.seq === seq, 5000);
      if (seq > 1) expect(ping.at - c.lastSent).toBeLessThan(100 + 250);
      c.send({ type: 'ka_pong', client_id: 'app-again', seq });
    }
    c.close();
  });

  it('a client whose WebSocket stack answers ping frames but whose application is silent expires (4000)', async () => {
    // autoPong on, no ka_pong: a hung page in a live browser.
    const c = await TestClient.open(gw.wsUrl());
    await c.register('hung-1', 300, 100);
    expect((await c.closed).code).toBe(4000);
    expect(c.ofType('ka_ping')).toHaveLength(1);
    expect(c.pings).toHaveLength(0);
    const text = (await gw.get('/metrics')).text;
    expect(metric(text, 'keepwatch_pings_sent_total{kind="frame"}')).toBe(0);
    expect(metric(text, 'keepwatch_pings_sent_total{kind="message"}')).toBeGreaterThanOrEqual(4);
  });
});

describe('--ping ws: one WebSocket ping frame per interval to a client alone on its connection', () => {
  const gw = useGateway({ args: ['--ping-jitter-ms', '0', '--ping', 'ws'] });

  it('the WebSocket stack\'s pongs keep a lone client alive; it never receives ka_ping', async () => {
    const c = await TestClient.open(gw.wsUrl());
    await c.register('ws-1', 600, 100);
    await sleep(2000);
    expect(c.isOpen).toBe(true);
    expect(c.pings.length).toBeGreaterThanOrEqual(3);
    expect(c.ofType('ka_ping')).toHaveLength(0);
    c.close();
  });

  it('clients sharing a connection still get ka_ping (a pong frame could not say which client answered)', async () => {
    const edge = await TestClient.open(gw.wsUrl(), { autoPong: false });
    await edge.register('mux-1', 60_000, 100);
    await edge.register('mux-2', 60_000, 100);
    await edge.next((m) => m.body.type === 'ka_ping' && m.body.client_id === 'mux-1', 2000);
    await edge.next((m) => m.body.type === 'ka_ping' && m.body.client_id === 'mux-2', 2000);
    expect(edge.pings).toHaveLength(0);
    edge.close();
  });
});
