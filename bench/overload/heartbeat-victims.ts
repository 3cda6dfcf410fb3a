import type WebSocket from 'ws';
import { openWs } from './overload-kit.js';

/**
 * Well-behaved clients beside an overload: each alone on its connection,
 * registered with `timeoutMs` (pings practically off), sending a heartbeat
 * with a msg_id every `periodMs` and timing the reply. They never stop, so
 * every close the server makes is a false expiry. Round trips accumulate
 * until `takeRtts()` hands them over (one window's worth); memory: one
 * number per reply and one map entry per reply outstanding.
 */
export class HeartbeatVictims {
  /** Close codes the server sent them, in order. */
  readonly closed: number[] = [];
  private rtts: number[] = [];
  private readonly timers: NodeJS.Timeout[] = [];

  private constructor(private readonly sockets: WebSocket[]) {}

  static async open(port: number, count: number, timeoutMs: number, periodMs: number, prefix = 'victim'): Promise<HeartbeatVictims> {
    const victims = new HeartbeatVictims(await Promise.all(Array.from({ length: count }, () => openWs(port))));
    victims.sockets.forEach((ws, i) => victims.start(ws, `${prefix}-${i}`, timeoutMs, periodMs));
    return victims;
  }

  private start(ws: WebSocket, clientId: string, timeoutMs: number, periodMs: number): void {
    const sentAt = new Map<number, number>();
    ws.on('close', (code) => this.closed.push(code));
    ws.on('message', (data) => {
      const m = /"in_reply_to": (\d+)/.exec(String(data));
      const id = m === null ? undefined : Number(m[1]);
      const t = id === undefined ? undefined : sentAt.get(id);
      if (t === undefined || id === undefined) return;
      sentAt.delete(id);
      this.rtts.push(performance.now() - t);
    });
    ws.send(`{"type": "ka_register", "client_id": "${clientId}", "timeout_ms": ${timeoutMs}, "ping_interval_ms": 60000}`);
    let msgId = 1;
    const timer = setInterval(() => {
      if (ws.readyState !== ws.OPEN) return clearInterval(timer);
      sentAt.set(msgId, performance.now());
      ws.send(`{"type": "ka_heartbeat", "client_id": "${clientId}", "msg_id": ${msgId++}}`);
    }, periodMs);
    this.timers.push(timer);
  }

  /** The round trips (ms) measured since the last call. */
  takeRtts(): number[] {
    const taken = this.rtts;
    this.rtts = [];
    return taken;
  }

  get count(): number {
    return this.sockets.length;
  }

  get stillOpen(): number {
    return this.sockets.filter((ws) => ws.readyState === ws.OPEN).length;
  }

  close(): void {
    for (const t of this.timers) clearInterval(t);
    for (const ws of this.sockets) ws.terminate();
  }
}
