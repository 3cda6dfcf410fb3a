import type { Clock } from '../../monitor/clock.js';
import { CloseReason } from './close-codes.js';
import type { Connection } from './connection.js';

/**
 * Connections that have registered no client are nobody's keep-alive
 * concern, so the monitor cannot see them; a peer that connects and then
 * hangs would hold its socket forever. One coarse scan (every quarter of
 * the timeout, at most every second) closes those that registered nothing
 * within --register-timeout-ms, with 4004. O(connections) per scan, no
 * per-connection timer. A connection whose clients expired or moved away
 * is closed by those rules (4000, 4001), so only never-registered ones
 * reach this.
 */
export class IdleConnectionReaper {
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly connections: ReadonlySet<Connection>,
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {
    if (timeoutMs <= 0) return;
    this.timer = setInterval(() => this.scan(), Math.max(10, Math.min(1000, Math.floor(timeoutMs / 4))));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private scan(): void {
    const cutoff = this.clock.now() - this.timeoutMs;
    for (const conn of this.connections) {
      if (!conn.everRegistered && conn.openedAt <= cutoff) conn.close(CloseReason.NoClientRegistered);
    }
  }
}
