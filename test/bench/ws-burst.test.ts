import { afterAll, describe, expect, it } from 'vitest';
import { startWrongReplyServer } from '../helpers/wrong-reply-server.js';
import { findCompiler, nativeBinary } from '../../scripts/load/native/build-native.js';
import { NativeBurst, type NativeBurstConfig } from '../../scripts/load/native/ws-burst.js';
import { metric, startGateway, type GatewayProcess } from '../gateway/helpers/gateway-process.js';

const SHAPE: Omit<NativeBurstConfig, 'port' | 'idPrefix'> = { connections: 100, quiet: 0, window: 16, warmupMs: 300, windowMs: 1_700, timeoutMs: 8_000, pingIntervalMs: 4_000 };

/** The gateway's keepwatch_heartbeats_total once it has stopped moving (the last frames of a closed connection are read after the tool's exit), bounded. */
async function settledHeartbeats(gateway: GatewayProcess): Promise<number> {
  let last = -1;
  for (let i = 0; i < 50; i++) {
    const now = metric((await gateway.get('/metrics')).text, 'keepwatch_heartbeats_total');
    if (now === last) return now;
    last = now;
    await new Promise((r) => setTimeout(r, 200));
  }
  return last;
}

describe('ws-burst, the native load tool of the throughput windows', () => {
  const cleanup: Array<() => unknown> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it('builds with the machine C compiler (a missing compiler fails here, with the message the benchmark gives)', () => {
    expect(nativeBinary('ws-burst')).toMatch(/build\/native\/ws-burst$/);
  }, 60_000);

  it('says what to do when no compiler is found', () => {
    expect(() => findCompiler(['/nonexistent/cc'])).toThrow(/no C compiler found \(tried \/nonexistent\/cc\).*install gcc.*--load-tool js/);
  });

  it("counts a real gateway's heartbeat replies, all answers, as many as the gateway counted heartbeats within the window's slack", async () => {
    // --max-message-rate far above what a connection can reach here: this test is about counting, not the rate limit.
    const gateway = await startGateway({ args: ['--threads', '1', '--max-message-rate', '1000000'] });
    cleanup.push(() => gateway.stop());
    const before = await settledHeartbeats(gateway);
    const tool = await NativeBurst.start({ ...SHAPE, port: gateway.port, idPrefix: 'wsb-test' });
    cleanup.push(() => tool.stop());
    const r = await tool.burst();
    await tool.stop();
    expect(r.replies).toBeGreaterThan(0);
    expect(r.repliesPerSec).toBeGreaterThan(0);
    expect([r.bad, r.errors, r.closes]).toEqual([0, 0, 0]);
    expect(r.sampled).toBeGreaterThan(0);
    expect(r.cpuSeconds).toBeGreaterThanOrEqual(0);
    // Closed loop: never more than a window in flight per connection.
    expect(r.heartbeatsSent - r.repliesTotal).toBeLessThanOrEqual(SHAPE.connections * SHAPE.window);
    const counted = (await settledHeartbeats(gateway)) - before;
    // The gateway counted every heartbeat it answered; beyond those, at most what was in flight as the tool stopped, its pongs and registrations.
    expect(counted).toBeGreaterThanOrEqual(r.repliesTotal);
    expect(counted).toBeLessThanOrEqual(r.repliesTotal + SHAPE.connections * SHAPE.window + r.kaPings + r.pings + SHAPE.connections);
    expect((await gateway.get('/healthz')).status).toBe(200);
  }, 60_000);

  it('fails the run of a server whose replies answer another heartbeat', async () => {
    const server = await startWrongReplyServer();
    cleanup.push(() => server.close());
    const port = server.port;
    const tool = await NativeBurst.start({ ...SHAPE, connections: 4, warmupMs: 100, windowMs: 300, port, idPrefix: 'wsb-bad' });
    cleanup.push(() => tool.stop());
    await expect(tool.burst()).rejects.toThrow(/did not answer the heartbeat/);
  }, 60_000);

  it('holds quiet connections across bursts, answering every ka_ping: none expires over several timeouts', async () => {
    const gateway = await startGateway({ args: ['--threads', '1', '--max-message-rate', '1000000'] });
    cleanup.push(() => gateway.stop());
    // Quiet clients are pinged every 300 ms and expire 1 s after their last answer: only ka_pongs keep them.
    const tool = await NativeBurst.start({ ...SHAPE, connections: 20, quiet: 20, timeoutMs: 1_000, pingIntervalMs: 300, warmupMs: 200, windowMs: 1_000, port: gateway.port, idPrefix: 'wsb-quiet' });
    cleanup.push(() => tool.stop());
    const first = await tool.burst();
    await new Promise((r) => setTimeout(r, 2_500));
    const second = await tool.burst();
    expect(second.kaPings).toBeGreaterThan(first.kaPings);
    expect([second.replies > 0, second.bad, second.errors, second.closes]).toEqual([true, 0, 0, 0]);
    const metrics = (await gateway.get('/metrics')).text;
    expect(metric(metrics, 'keepwatch_connections')).toBe(40);
    expect(metric(metrics, 'keepwatch_expiries_total{action="closed"}')).toBe(0);
  }, 60_000);
});
