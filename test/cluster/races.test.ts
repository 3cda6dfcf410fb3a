import { describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../gateway/helpers/gateway-process.js';
import { useFleet, type Fleet } from './helpers/fleet.js';
import { MuxClient } from './helpers/mux-client.js';

const IDS = 1000;
const ROUNDS = 3;

describe('concurrent takeover races (Redis Cluster, 3 masters, 3 gateways)', () => {
  let fleet: Fleet;
  let gateways: GatewayProcess[];
  useFleet('cluster', (started, gws) => ([fleet, gateways] = [started, gws]));

  it(`${IDS} ids registered on all three gateways at once, ${ROUNDS} rounds: exactly one owner each, every time`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const ids = Array.from({ length: IDS }, (_, i) => `race${round}-${i}`);
      // One multiplexed connection per gateway carries all the ids: cheap to set up, and the three bursts overlap.
      const conns = await Promise.all(gateways.map((gw) => MuxClient.open(gw.wsUrl())));
      for (const conn of conns) conn.sendRegisters(ids, 600_000);
      await Promise.all(conns.map((conn) => conn.barrier()));
      await fleet.checkInvariant(gateways, 20_000);

      const owners = await fleet.owners();
      const incs = await Promise.all(gateways.map((gw) => fleet.incarnationOf(gw)));
      const held = await Promise.all(conns.map((conn) => conn.barrier()));
      for (const id of ids) {
        const holders = held.filter((active) => active.includes(id)).length;
        expect(holders, id).toBe(1);
        const owner = owners.get(id);
        expect(owner, id).toBeDefined();
        expect(held[incs.indexOf(owner as string)], id).toContain(id);
      }
      // Every loser was told: what a connection lost, it got a ka_moved for.
      for (let g = 0; g < 3; g++) {
        for (const id of ids) if (!held[g].includes(id)) expect(conns[g].moved.has(id), `${id} on gateway ${g}`).toBe(true);
      }
      for (const conn of conns) conn.close();
      await Promise.all(conns.map((conn) => conn.closed));
      await fleet.checkInvariant(gateways, 20_000);
    }
  }, 240_000);
});
