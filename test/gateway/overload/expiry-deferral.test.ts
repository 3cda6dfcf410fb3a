import { describe, expect, it } from 'vitest';
import { metric, useGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { sleep, TestClient } from '../helpers/ws-client.js';

/**
 * Issue 8, "expose the guard in metrics": keepwatch_expiry_deferral_seconds
 * records, at each timer sweep, how far the read horizon lagged the clock.
 * A quiet loop lags by microseconds; a loop flooded with 400 ms handlers
 * (GET /test/stall) defers the sweep by about one of them, and an operator
 * sees it in the histogram.
 */
const STALL_MS = 400;

const deferral = async (gw: GatewayProcess): Promise<{ count: number; upTo250ms: number }> => {
  const text = (await gw.get('/metrics')).text;
  return {
    count: metric(text, 'keepwatch_expiry_deferral_seconds_count'),
    upTo250ms: metric(text, 'keepwatch_expiry_deferral_seconds_bucket{le="0.25"}'),
  };
};

/** A client that registers and then goes silent: expired (4000) about `timeoutMs` later, after one timer sweep or more. */
async function expireOne(gw: GatewayProcess, clientId: string, timeoutMs: number): Promise<number> {
  const c = await TestClient.open(gw.wsUrl());
  await c.register(clientId, timeoutMs, 60_000);
  return (await Promise.race([c.closed, sleep(20_000).then(() => ({ code: 0 }))])).code;
}

for (const workers of [0, 2]) {
  describe(`keepwatch_expiry_deferral_seconds (--workers ${workers})`, () => {
    const gw = useGateway({ args: ['--workers', String(workers), '--shards', String(Math.max(1, workers))] });

    it('stays small while the loop is quiet and shows the deferral while it is flooded with long handlers', async () => {
      expect(await expireOne(gw, 'quiet-1', 300)).toBe(4000);
      const quiet = await deferral(gw);
      expect(quiet.count).toBeGreaterThanOrEqual(1);
      // Every quiet sweep within a generous bound for a loaded 2-core machine (measured: well under 1 ms).
      expect(quiet.upTo250ms).toBe(quiet.count);

      // Two loops of back-to-back stalls: every poll phase has a 400 ms handler to run, the one between
      // noting the horizon and sweeping included.
      let flooding = true;
      const flood = async (): Promise<void> => {
        while (flooding) await fetch(gw.url(`/test/stall?ms=${STALL_MS}`), { signal: AbortSignal.timeout(30_000) }).then((r) => r.text());
      };
      const loops = [flood(), flood()];
      await sleep(200);
      const code = await expireOne(gw, 'busy-1', 300);
      flooding = false;
      await Promise.all(loops);
      expect(code).toBe(4000);
      const busy = await deferral(gw);
      expect(busy.count).toBeGreaterThan(quiet.count);
      // At least one sweep waited longer than 250 ms for its horizon.
      expect(busy.count - busy.upTo250ms).toBeGreaterThanOrEqual(1);
    });
  });
}
