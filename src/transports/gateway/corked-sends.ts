import type { Connection } from './connection.js';

/**
 * Messages gathered during one batch (a sweep's expiries, a tick of pings)
 * and written per connection under one cork: one write per connection
 * instead of one per message. A mass expiry of 100,000 multiplexed clients
 * otherwise spends most of its time in 100,000 separate socket writes.
 */
export class CorkedSends {
  private readonly byConn = new Map<Connection, string[]>();
  /** Ping frames to send after a connection's messages, with their payloads. */
  private readonly pingFrames = new Map<Connection, string>();

  add(conn: Connection, text: string): void {
    const texts = this.byConn.get(conn);
    if (texts === undefined) this.byConn.set(conn, [text]);
    else texts.push(text);
  }

  /** A WebSocket ping frame after the connection's messages; its pong echoes `payload`. */
  addPingFrame(conn: Connection, payload: string): void {
    this.pingFrames.set(conn, payload);
    if (!this.byConn.has(conn)) this.byConn.set(conn, []);
  }

  /** Writes everything; returns how many messages were accepted. */
  flush(): number {
    let sent = 0;
    for (const conn of this.byConn.keys()) sent += this.flushConnection(conn);
    this.byConn.clear();
    this.pingFrames.clear();
    return sent;
  }

  /** Writes what waits for `conn` now (before closing it, say); returns how many were accepted. */
  flushConnection(conn: Connection): number {
    const texts = this.byConn.get(conn);
    if (texts === undefined) return 0;
    this.byConn.delete(conn);
    let sent = 0;
    conn.cork(() => {
      for (const text of texts) {
        if (!conn.send(text)) return;
        sent++;
      }
      const payload = this.pingFrames.get(conn);
      if (payload !== undefined) {
        this.pingFrames.delete(conn);
        conn.ping(payload);
      }
    });
    return sent;
  }
}
