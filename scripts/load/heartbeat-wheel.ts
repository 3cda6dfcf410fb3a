import type { LoadConnection } from './load-connection.js';

const TICK_MS = 20;

/**
 * Sends every client's heartbeat once per interval, each at its own random
 * phase, from one timer per child: the server sees a steady rate instead of
 * every client of a child beating in the same millisecond. A connection
 * joins as soon as it has registered, so early ones do not wait for the
 * whole child to connect.
 */
export class HeartbeatWheel {
  private slots: Array<Array<[LoadConnection, number]>> = [[]];
  private readonly members: LoadConnection[] = [];
  private timer: NodeJS.Timeout | null = null;
  private cursor = 0;
  private intervalMs = 0;

  add(conn: LoadConnection): void {
    this.members.push(conn);
    if (this.intervalMs > 0) this.place(conn);
  }

  private place(conn: LoadConnection): void {
    for (let j = 0; j < conn.ids.length; j++) this.slots[Math.floor(Math.random() * this.slots.length)].push([conn, j]);
  }

  /** intervalMs 0 stops heartbeats (quiet clients only answer pings). */
  setInterval(intervalMs: number): void {
    this.stop();
    this.intervalMs = intervalMs;
    if (intervalMs <= 0) return;
    const count = Math.max(1, Math.round(intervalMs / TICK_MS));
    this.slots = Array.from({ length: count }, () => []);
    for (const conn of this.members) this.place(conn);
    this.cursor = 0;
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  private tick(): void {
    for (const [conn, j] of this.slots[this.cursor]) conn.heartbeat(j);
    this.cursor = (this.cursor + 1) % this.slots.length;
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
