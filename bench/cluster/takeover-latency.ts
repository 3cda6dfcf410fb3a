import WebSocket from 'ws';
import { LatencyHistogram } from '../lib/index.js';

const open = (url: string): Promise<WebSocket> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });

/** A takeover whose old socket has not closed after this long is counted lost (and the run goes on). */
const LOST_AFTER_MS = 5000;

export interface TakeoverResult {
  /** Register sent on B -> A's socket closed (the 'close' event: after the closing handshake and the TCP close). */
  hist: LatencyHistogram;
  /** Register sent on B -> A's client told (its ka_moved read): when the client knows, before the socket is torn down. */
  told: LatencyHistogram;
  /** Old sockets closed with another code than 4001. */
  wrongCodes: number;
  /** Old sockets still open LOST_AFTER_MS after the takeover. */
  lost: number;
  /** Takeovers closed SLOW_MS or more after the register: where a notice held by Nagle + delayed ACK (40 ms) lands. */
  slow: number;
}

export const SLOW_MS = 30;

/**
 * `count` takeovers, one at a time: client "<prefix>-i" alone on its socket
 * on gateway `from`, then registered on gateway `to`; the latency is from
 * sending that register to `from`'s socket closing (4001), all read on this
 * process' clock; beside it, to the old socket reading its `ka_moved` (the
 * close that follows costs a closing handshake and a TCP close more). Sockets are opened in batches beforehand, so only the
 * takeover itself is timed.
 *
 * A gateway answers a register at once and claims the id in Redis in a
 * batch just after: before the takeovers start, `claimed` must see every
 * old registration's claim in Redis. Otherwise, on a loaded machine, the
 * new gateway's claim could land first, the old one's after it, and the
 * "takeover" would go the other way (the later claim wins).
 */
export async function measureTakeovers(
  fromUrl: string,
  toUrl: string,
  prefix: string,
  count: number,
  claimed: (ids: string[]) => Promise<void>,
): Promise<TakeoverResult> {
  const hist = new LatencyHistogram();
  const told = new LatencyHistogram();
  let wrongCodes = 0;
  let lost = 0;
  let slow = 0;
  const BATCH = 100;
  for (let start = 0; start < count; start += BATCH) {
    const ids = Array.from({ length: Math.min(BATCH, count - start) }, (_, i) => `${prefix}-${start + i}`);
    const olds = await Promise.all(ids.map(() => open(fromUrl)));
    const news = await Promise.all(ids.map(() => open(toUrl)));
    const closes = olds.map((ws) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code))));
    await Promise.all(
      olds.map(
        (ws, i) =>
          new Promise<void>((resolve) => {
            ws.once('message', () => resolve());
            ws.send(`{"type": "ka_register", "client_id": "${ids[i]}", "timeout_ms": 60000, "msg_id": 1}`);
          }),
      ),
    );
    await claimed(ids);
    for (let i = 0; i < ids.length; i++) {
      // undefined when the old socket closes (or had closed: its client expired while the run was stalled) without a message.
      const moved = new Promise<number | undefined>((resolve) => {
        if (olds[i].readyState !== WebSocket.OPEN) return resolve(undefined);
        olds[i].once('message', () => resolve(performance.now()));
        olds[i].once('close', () => resolve(undefined));
      });
      const sent = performance.now();
      news[i].send(`{"type": "ka_register", "client_id": "${ids[i]}", "timeout_ms": 60000}`);
      const code = await Promise.race([closes[i], new Promise<null>((r) => setTimeout(() => r(null), LOST_AFTER_MS))]);
      if (code === null) {
        lost++;
        continue;
      }
      const closedMs = performance.now() - sent;
      hist.recordMs(closedMs);
      if (closedMs >= SLOW_MS) slow++;
      const movedAt = await moved;
      if (movedAt !== undefined) told.recordMs(movedAt - sent);
      if (code !== 4001) wrongCodes++;
    }
    for (const ws of [...olds, ...news]) ws.terminate();
  }
  return { hist, told, wrongCodes, lost, slow };
}
