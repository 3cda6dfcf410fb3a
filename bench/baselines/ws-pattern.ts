/** One connection of the `ws` README pattern: a flag, no timestamps. */
interface WsClient {
  isAlive: boolean;
  /** Only for simulating the peer: whether it still answers pings. */
  lastSeen: number;
  timeoutMs: number;
}

/**
 * The keep-alive pattern of the `ws` README: every interval, walk every
 * connection; terminate those whose `isAlive` is still false (no pong since
 * the last walk), set the others to false and ping them; a pong sets
 * `isAlive` back to true. Each `sweep` is one interval tick.
 *
 * The peers are simulated: a client answers the ping (at once, as a
 * browser's WebSocket does) unless it has been silent for more than its
 * timeout. So a silent client is terminated at the tick AFTER the one that
 * found it silent, as in the README (one to two intervals late).
 */
export class WsPatternMonitor {
  readonly clients = new Map<string, WsClient>();
  readonly terminated: string[] = [];

  register(id: string, timeoutMs: number, now: number): void {
    this.clients.set(id, { isAlive: true, lastSeen: now, timeoutMs });
  }

  /** Any message from the client, a pong included. */
  heartbeat(id: string, now: number): void {
    const client = this.clients.get(id);
    if (client === undefined) return;
    client.isAlive = true;
    client.lastSeen = now;
  }

  /** One interval tick; returns how many connections it terminated. */
  sweep(now: number): number {
    const terminated = this.terminated;
    terminated.length = 0;
    for (const [id, client] of this.clients) {
      if (!client.isAlive) {
        this.clients.delete(id); // ws.terminate()
        terminated.push(id);
        continue;
      }
      client.isAlive = false; // then ws.ping(); the live peer's pong:
      if (now - client.lastSeen <= client.timeoutMs) client.isAlive = true;
    }
    return terminated.length;
  }
}
