import WebSocket from 'ws';

/**
 * A multiplexing test client: one WebSocket carrying many client_ids
 * (the edge pattern), so thousands of clients cost a handful of sockets.
 * Registers are fire-and-forget; a final ka_check with a msg_id is the
 * barrier (the gateway handles a connection's frames in order).
 */
export class MuxClient {
  readonly moved = new Set<string>();
  closedWith: { code: number; reason: string; at: number } | undefined;
  readonly closed: Promise<{ code: number; reason: string; at: number }>;
  private waiters = new Map<number, (body: { [k: string]: unknown }) => void>();
  private nextMsgId = 1;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const body = JSON.parse((data as Buffer).toString('utf8')) as { [k: string]: unknown };
      if (body.type === 'ka_moved') this.moved.add(body.client_id as string);
      const waiter = this.waiters.get(body.in_reply_to as number);
      if (waiter !== undefined) {
        this.waiters.delete(body.in_reply_to as number);
        waiter(body);
      }
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        this.closedWith = { code, reason: reason.toString(), at: performance.now() };
        resolve(this.closedWith);
      }),
    );
    ws.on('error', () => undefined);
  }

  static open(url: string): Promise<MuxClient> {
    const ws = new WebSocket(url);
    const client = new MuxClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends the registers, without waiting. */
  sendRegisters(ids: readonly string[], timeoutMs: number): void {
    for (const id of ids) this.ws.send(`{"type": "ka_register", "client_id": "${id}", "timeout_ms": ${timeoutMs}}`);
  }

  /**
   * Resolves once every frame sent before it was handled, with the
   * connection's active client_ids; [] once the gateway closed it (a
   * connection that lost all its ids to takeovers is closed with 4001).
   */
  async barrier(timeoutMs = 30_000): Promise<string[]> {
    if (!this.isOpen) return [];
    const msgId = this.nextMsgId++;
    const reply = new Promise<{ [k: string]: unknown }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.set(msgId, (body) => {
        clearTimeout(timer);
        resolve(body);
      });
    });
    this.ws.send(JSON.stringify({ type: 'ka_check', current_time_ms: 0, msg_id: msgId }));
    const body = await Promise.race([reply, this.closed.then(() => ({ active: [] as string[] }))]);
    return body.active as string[];
  }

  /** Sends a heartbeat for each id, without waiting (barrier() waits for them). */
  sendHeartbeats(ids: readonly string[]): void {
    for (const id of ids) this.ws.send(`{"type": "ka_heartbeat", "client_id": "${id}"}`);
  }

  async registerMany(ids: readonly string[], timeoutMs: number): Promise<void> {
    this.sendRegisters(ids, timeoutMs);
    await this.barrier();
  }

  close(): void {
    this.ws.close();
  }
}

/** `count` ids "<prefix>-0" ... over `connections` mux clients of one gateway. */
export async function openMany(url: string, prefix: string, count: number, connections: number, timeoutMs: number): Promise<{ clients: MuxClient[]; ids: string[] }> {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  const clients = await Promise.all(Array.from({ length: connections }, () => MuxClient.open(url)));
  const per = Math.ceil(count / connections);
  await Promise.all(clients.map((c, i) => c.registerMany(ids.slice(i * per, (i + 1) * per), timeoutMs)));
  return { clients, ids };
}
