import type { GatewayProcess } from './gateway-process.js';
import { sleep, type TestClient } from './ws-client.js';

/** Clients per I/O thread as /healthz counts them; [total] for a gateway of one thread. */
async function clientsPerThread(gw: GatewayProcess): Promise<number[]> {
  const body = JSON.parse((await gw.get('/healthz')).text) as { clients: number; threads?: { clients: number }[] };
  return body.threads?.map((t) => t.clients) ?? [body.clients];
}

const sum = (counts: readonly number[]): number => counts.reduce((a, b) => a + b, 0);

/** Opens of a connection that landed where it could not help, before the set is taken as it stands. */
const MAX_REOPENS = 40;

/**
 * `count` clients, opened and registered one after the other by `open(i)`,
 * spread so that every I/O thread holds at least one. The kernel picks each
 * connection's thread: left to it, 12 connections all on one of 2 threads
 * are a 1 in 2,048 draw, and a test that needs both threads fails on it.
 * So each of the last connections that must reach a thread still without
 * clients is closed (and its client left to go) when it did not, and opened
 * again. The clients keep their indices and registration order.
 */
export async function openOverThreads(gw: GatewayProcess, count: number, open: (i: number) => Promise<TestClient>): Promise<TestClient[]> {
  const before = await clientsPerThread(gw);
  const clients: TestClient[] = [];
  let reopens = 0;
  for (let i = 0; i < count; i++) {
    for (;;) {
      const c = await open(i);
      const left = count - 1 - i;
      // Only the last (threads - 1) connections can be needed on an empty thread: the others cost no /healthz.
      if (left >= before.length - 1 || reopens >= MAX_REOPENS) {
        clients.push(c);
        break;
      }
      const counts = await clientsPerThread(gw);
      if (counts.filter((n, t) => n === before[t]).length <= left) {
        clients.push(c);
        break;
      }
      reopens++;
      c.close();
      await c.closed;
      // Its client is gone before it is registered again.
      for (let tries = 0; tries < 100 && sum(await clientsPerThread(gw)) !== sum(before) + clients.length; tries++) await sleep(20);
    }
  }
  return clients;
}
