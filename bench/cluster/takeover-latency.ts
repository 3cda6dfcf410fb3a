import WebSocket from 'ws';
import { LatencyHistogram } from '../lib/index.js';

const open = (url: string): Promise<WebSocket> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });

/**
 * `count` takeovers, one at a time: client "<prefix>-i" alone on its socket
 * on gateway `from`, then registered on gateway `to`; the latency is from
 * sending that register to `from`'s socket closing (4001), all read on this
 * process' clock. Sockets are opened in batches beforehand, so only the
 * takeover itself is timed.
 */
export async function measureTakeovers(fromUrl: string, toUrl: string, prefix: string, count: number): Promise<{ hist: LatencyHistogram; wrongCodes: number }> {
  const hist = new LatencyHistogram();
  let wrongCodes = 0;
  const BATCH = 100;
  for (let start = 0; start < count; start += BATCH) {
    const n = Math.min(BATCH, count - start);
    const olds = await Promise.all(Array.from({ length: n }, () => open(fromUrl)));
    const news = await Promise.all(Array.from({ length: n }, () => open(toUrl)));
    await Promise.all(
      olds.map(
        (ws, i) =>
          new Promise<void>((resolve) => {
            ws.once('message', () => resolve());
            ws.send(`{"type": "ka_register", "client_id": "${prefix}-${start + i}", "timeout_ms": 60000, "msg_id": 1}`);
          }),
      ),
    );
    // Let the claims reach Redis before the takeovers start.
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 0; i < n; i++) {
      const closed = new Promise<number>((resolve) => olds[i].once('close', (code) => resolve(code)));
      const sent = performance.now();
      news[i].send(`{"type": "ka_register", "client_id": "${prefix}-${start + i}", "timeout_ms": 60000}`);
      const code = await closed;
      hist.recordMs(performance.now() - sent);
      if (code !== 4001) wrongCodes++;
    }
    for (const ws of news) ws.terminate();
  }
  return { hist, wrongCodes };
}
