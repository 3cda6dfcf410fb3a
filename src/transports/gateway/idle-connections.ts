import type { Clock } from '../../monitor/clock.js';
import { CloseReason } from './close-codes.js';
import type { Connection } from './connection.js';

/**
 * Connections that have registered no client are nobody's keep-alive
 * concern, so the monitor cannot see them; a peer that connects and then
 * hangs would hold its socket forever. Connections are watched in the order
 * they opened, which is the order their grace periods end, so a coarse tick
 * (every quarter of the timeout, at most every second) only looks at the
 * front of the queue: those whose --register-timeout-ms has passed, closed
 * with 4004 if they still own nothing. O(1) per connection, no scan of the
 * others, no per-connection timer. A connection whose clients expired or
 * moved away is closed by those rules (4000, 4001), so only
 * never-registered ones are closed here.
 */
export class IdleConnectionReaper {
  private readonly timer: NodeJS.Timeout | undefined;
  private queue: (Connection | undefined)[] = [];
  private head = 0;

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {
    if (timeoutMs <= 0) return;
    this.timer = setInterval(() => this.reap(), Math.max(10, Math.min(1000, Math.floor(timeoutMs / 4))));
    this.timer.unref();
  }

  /** A connection just opened (connections open in clock order). */
  watch(conn: Connection): void {
    if (this.timer !== undefined) this.queue.push(conn);
  }

  stop(): void {
    clearInterval(this.timer);
    this.queue = [];
    this.head = 0;
  }

  private reap(): void {
    const cutoff = this.clock.now() - this.timeoutMs;
    for (let conn = this.queue[this.head]; conn !== undefined && conn.openedAt <= cutoff; conn = this.queue[this.head]) {
      this.queue[this.head++] = undefined;
      if (!conn.everRegistered && !conn.closed) conn.close(CloseReason.NoClientRegistered);
    }
    // Drop the consumed front now and then, not on every tick.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
