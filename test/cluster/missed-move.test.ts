import { describe, expect, it } from 'vitest';
import { metric, type GatewayProcess } from '../gateway/helpers/gateway-process.js';
import { TestClient } from '../gateway/helpers/ws-client.js';
import { useFleet, waitFor, type Fleet } from './helpers/fleet.js';
import { MuxClient } from './helpers/mux-client.js';

const CLIENT_TIMEOUT_MS = 600_000;
/** The flush period is 1 s: a heard client is checked at the next flush; this adds slack for a loaded machine. */
const HEARD_CHECKED_WITHIN_MS = 2500;
/** A silent client is checked within 10 flushes (CHECK_PASSES in seen-flusher.ts), plus slack. */
const SILENT_CHECKED_WITHIN_MS = 14_000;

/**
 * The backstop for a lost move notice: gateway A ignores takeover notices
 * (GET /test/ignore-moves, KEEPWATCH_TEST_HOOKS=1), as if its subscriber
 * connection were down when B's claim published it. The seen flush's owner
 * check must find that Redis names B, and close A's socket as a takeover
 * would (ka_moved, 4001), with one owner throughout.
 */
describe('a takeover whose move notice is lost (Redis Cluster, 3 masters)', () => {
  let fleet: Fleet;
  let gateways: GatewayProcess[];
  useFleet('cluster', (started, gws) => ([fleet, gateways] = [started, gws]));

  const missed = async (gw: GatewayProcess): Promise<number> => metric((await gw.get('/metrics')).text, 'keepwatch_cluster_missed_move_notices_total');

  it('a client still heard from on the old gateway: its socket is closed with ka_moved and 4001 within about one flush period', async () => {
    const [a, b, c] = gateways;
    await a.get('/test/ignore-moves?on=1');
    try {
      const onA = await TestClient.open(a.wsUrl());
      expect((await onA.register('lost-1', CLIENT_TIMEOUT_MS)).body.type).toBe('ka_register_ok');
      await fleet.checkInvariant([a, b, c]);
      // The stale socket keeps heartbeating (a client that opened a second connection, a proxy's multiplexed socket).
      const beat = setInterval(() => onA.send({ type: 'ka_heartbeat', client_id: 'lost-1' }), 200);
      try {
        const onB = await TestClient.open(b.wsUrl());
        const sent = performance.now();
        expect((await onB.register('lost-1', CLIENT_TIMEOUT_MS)).body.type).toBe('ka_register_ok');
        const moved = await onA.next((m) => m.body.type === 'ka_moved', HEARD_CHECKED_WITHIN_MS + 2000);
        expect(moved.text).toBe('{"type": "ka_moved", "client_id": "lost-1"}');
        const closed = await onA.closed;
        expect(closed).toMatchObject({ code: 4001, reason: 'client moved to another connection' });
        expect(closed.at - sent).toBeLessThan(HEARD_CHECKED_WITHIN_MS);
        onB.close();
        await onB.closed;
      } finally {
        clearInterval(beat);
      }
      // Closed by the owner check, not by the notice; one owner all along: B's move, no leave from A.
      expect(await missed(a)).toBe(1);
      expect(metric((await a.get('/metrics')).text, 'keepwatch_cluster_takeovers_total{side="lost"}')).toBe(1);
      const events = (await fleet.events()).filter((e) => e.client_id === 'lost-1');
      expect(events.map((e) => e.type)).toEqual(['join', 'move', 'leave']);
      expect(events[2].from).toBe(await fleet.incarnationOf(b));
      await fleet.checkInvariant([a, b, c]);
    } finally {
      await a.get('/test/ignore-moves?on=0');
    }
  });

  it('a silent client among others on a multiplexed socket: only it is dropped (ka_moved), within the slice of flushes that checks silent ones', async () => {
    const [a, b, c] = gateways;
    const before = await missed(a);
    await a.get('/test/ignore-moves?on=1');
    try {
      const mux = await MuxClient.open(a.wsUrl());
      const ids = Array.from({ length: 20 }, (_, i) => `silent-${i}`);
      await mux.registerMany(ids, CLIENT_TIMEOUT_MS);
      await fleet.checkInvariant([a, b, c]);
      const onB = await TestClient.open(b.wsUrl());
      expect((await onB.register('silent-3', CLIENT_TIMEOUT_MS)).body.type).toBe('ka_register_ok');
      await waitFor('silent-3 dropped on A', async () => (mux.moved.has('silent-3') ? true : undefined), SILENT_CHECKED_WITHIN_MS);
      expect([...mux.moved]).toEqual(['silent-3']);
      expect((await mux.barrier()).sort()).toEqual(ids.filter((id) => id !== 'silent-3').sort());
      expect(mux.isOpen).toBe(true);
      expect(await missed(a)).toBe(before + 1);
      await fleet.checkInvariant([a, b, c]);
      expect((await fleet.owners()).get('silent-3')).toBe(await fleet.incarnationOf(b));
      mux.close();
      onB.close();
      await Promise.all([mux.closed, onB.closed]);
      await fleet.checkInvariant([a, b, c]);
    } finally {
      await a.get('/test/ignore-moves?on=0');
    }
  }, 60_000);
});
