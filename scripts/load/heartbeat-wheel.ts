import type { LoadConnection } from './load-connection.js';

const TICK_MS = 20;

/**
 * Sends every client's heartbeat once per interval, each at its own random
 * phase, from one timer per child: the server sees a steady rate instead of
 * every client of a child beating in the same millisecond.
 */
export class HeartbeatWheel {
  private slots: Array<Array<[LoadConnection, number]>> = [];
  private timer: NodeJS.Timeout | null = null;
  private cursor = 0;

  constructor(private readonly connections: readonly LoadConnection[]) {}

  /** intervalMs 0 stops heartbeats (quiet clients only answer pings). */
  setInterval(intervalMs: number): void {
    this.stop();
    if (intervalMs <= 0) return;
    const count = Math.max(1, Math.round(intervalMs / TICK_MS));
    this.slots = Array.from({ length: count }, () => []);
    for (const conn of this.connections) {
      for (let j = 0; j < conn.ids.length; j++) this.slots[Math.floor(Math.random() * count)].push([conn, j]);
    }
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
