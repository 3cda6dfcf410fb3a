import WebSocket from 'ws';

export interface Received {
  text: string;
  body: { [key: string]: unknown };
  at: number;
}

export interface Closed {
  code: number;
  reason: string;
  at: number;
}

/**
 * A real `ws` client with an inbox: every text frame parsed and
 * timestamped (performance.now()), ping frames counted, the close recorded.
 */
export class TestClient {
  readonly inbox: Received[] = [];
  readonly pings: number[] = [];
  readonly closed: Promise<Closed>;
  closedWith: Closed | undefined;
  /** performance.now() of the latest frame this client sent. */
  lastSent = 0;
  private nextMsgId = 1;
  private waiters: { match: (m: Received) => boolean; resolve: (m: Received) => void }[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const text = (data as Buffer).toString('utf8');
      const m: Received = { text, body: JSON.parse(text) as { [key: string]: unknown }, at: performance.now() };
      this.inbox.push(m);
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        if (this.waiters[i].match(m)) this.waiters.splice(i, 1)[0].resolve(m);
      }
    });
    ws.on('ping', () => this.pings.push(performance.now()));
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        this.closedWith = { code, reason: reason.toString(), at: performance.now() };
        resolve(this.closedWith);
      }),
    );
    ws.on('error', () => undefined);
  }

  /** autoPong false: the client does not answer ping frames (a silent peer). */
  static open(url: string, options: { autoPong?: boolean; ws?: WebSocket.ClientOptions } = {}): Promise<TestClient> {
    const ws = new WebSocket(url, { ...options.ws, autoPong: options.autoPong ?? true });
    const client = new TestClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.lastSent = performance.now();
    this.ws.send(data, { binary });
  }

  /** Sends a body as-is (no msg_id added): fire and forget. */
  send(body: object): void {
    this.sendRaw(JSON.stringify(body));
  }

  /** Sends with a fresh msg_id and waits for the reply naming it. */
  async request(body: object, timeoutMs = 5000): Promise<Received> {
    const msgId = this.nextMsgId++;
    const reply = this.next((m) => m.body.in_reply_to === msgId, timeoutMs);
    this.send({ ...body, msg_id: msgId });
    return reply;
  }

  register(clientId: string, timeoutMs?: number, pingIntervalMs?: number): Promise<Received> {
    return this.request({ type: 'ka_register', client_id: clientId, timeout_ms: timeoutMs, ping_interval_ms: pingIntervalMs });
  }

  /** The first message (already received or future) that matches. */
  next(match: (m: Received) => boolean = () => true, timeoutMs = 5000): Promise<Received> {
    const seen = this.inbox.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching message within ${timeoutMs} ms; inbox: ${JSON.stringify(this.inbox.map((m) => m.text))}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  ofType(type: string): Received[] {
    return this.inbox.filter((m) => m.body.type === type);
  }

  close(): void {
    this.ws.close();
  }

  terminate(): void {
    this.ws.terminate();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resolves once `ms` have really passed since `since` (performance.now()): for a hold that an
 * assertion takes as a lower bound. A timer can fire up to a millisecond early on performance.now()'s
 * clock (Node starts it from the event loop's cached whole-millisecond time), so it sleeps again
 * until the hold has passed.
 */
export async function holdSince(since: number, ms: number): Promise<void> {
  const left = (): number => ms - (performance.now() - since);
  while (left() > 0) await sleep(left());
}
