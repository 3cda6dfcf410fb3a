import type { Connection } from './connection.js';

/**
 * The process-wide bound on output queued for peers that do not read
 * (--max-output-bytes; issue 8 item 4). uWS bounds each connection
 * (--max-send-buffer-bytes) but not their sum: 20 non-reading peers at
 * 8 MiB each are 160 MB of RSS. Beyond the bound, the connections with
 * the largest backlog are closed (4040) until the total fits again.
 *
 * Layout: `backlog` maps each connection with bytes queued in uWS to its
 * last known amount; `total` is their sum. Costs: O(1) per update (a send
 * that left bytes queued, a drain, a close); connections that send
 * without queueing are never in the map and cost nothing. Shedding sorts
 * the backlogged connections, O(b log b) for b of them, and closes at
 * least one each time it runs.
 *
 * The amounts are uWS's user-space buffers (getBufferedAmount), not the
 * kernel's socket buffers (a few MB per loopback socket, outside RSS's
 * JS heap but inside the process's memory). A closed connection's queue
 * is freed when uWS drops its socket (its close frame waits behind the
 * queue; uWS gives up on a peer that does not answer within seconds).
 */
export class OutputBudget {
  private readonly backlog = new Map<Connection, number>();
  private total = 0;

  constructor(
    /** The bound, bytes. */
    private readonly maxBytes: number,
    /** Closes a connection that holds too large a share (its close handler calls `forget`). */
    private readonly shed: (conn: Connection) => void,
  ) {}

  /** Bytes queued for the whole process now. */
  get queuedBytes(): number {
    return this.total;
  }

  /** `conn` has `bytes` queued in uWS now (after a send that queued, or a drain). */
  queued(conn: Connection, bytes: number): void {
    this.total += bytes - (this.backlog.get(conn) ?? 0);
    if (bytes > 0) this.backlog.set(conn, bytes);
    else this.backlog.delete(conn);
    if (this.total > this.maxBytes) this.shedLargest();
  }

  /** `conn` closed: its queue no longer counts. */
  forget(conn: Connection): void {
    this.total -= this.backlog.get(conn) ?? 0;
    this.backlog.delete(conn);
  }

  private shedLargest(): void {
    const largestFirst = [...this.backlog].sort((a, b) => b[1] - a[1]);
    for (const [conn] of largestFirst) {
      if (this.total <= this.maxBytes) return;
      this.shed(conn);
      // A connection already closing has no close handler left to run: forget it here (a no-op otherwise).
      this.forget(conn);
    }
  }
}
