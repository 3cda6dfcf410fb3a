import { afterAll, describe, expect, it } from 'vitest';
import { startWrongReplyServer } from '../helpers/wrong-reply-server.js';
import { ReplyFilter, type ReplySink } from '../../scripts/load/reply-filter.js';
// The load tool forks dist/scripts/load/load-child.js next to itself: the built coordinator, as the benchmarks run it.
import { LoadRun, type LoadConfig } from '../../dist/scripts/load/load-run.js';
import { startGateway } from '../gateway/helpers/gateway-process.js';

/** A server-to-client frame (unmasked), with the extended length when the payload needs one. */
function frame(first: number, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const len = body.length;
  const head = len < 126 ? Buffer.from([first, len]) : Buffer.from([first, 126, len >> 8, len & 0xff]);
  return Buffer.concat([head, body]);
}

const text = (t: string): Buffer => frame(0x81, t);
const REPLY = (msgId: number): Buffer => text(`{"type": "ka_heartbeat_ok", "in_reply_to": 1, "last_seen_ms_ago": 0, "msg_id": ${msgId}}`);
const ECHO = '{"type":"ka_heartbeat","client_id":"c0","msg_id":1}';

/** Every frame a burst connection can be sent, replies and the rest interleaved, with the bytes ws must get (the rest, in order). */
function stream(): { bytes: Buffer; replies: number; others: Buffer } {
  const frames: Array<[Buffer, boolean]> = [
    [text('{"type": "ka_register_ok", "in_reply_to": 1, "timeout_ms": 8000, "ping_interval_ms": 4000, "msg_id": 1}'), false],
    [REPLY(2), true],
    [REPLY(3), true],
    [frame(0x89, 'p'), false], // ws ping
    [text(`{"type": "ka_ping", "client_id": "c0", "pad": "${'x'.repeat(200)}"}`), false], // 16-bit length
    [REPLY(4), true],
    [text(ECHO), true],
    [text('{"type": "error", "in_reply_to": 1, "code": 4011, "text": "ka_heartbeat too fast"}'), false],
    [frame(0x01, '{"type": "ka_heartbeat_ok"'), false], // a fragment, not a whole message
    [frame(0x80, ', "in_reply_to": 1}'), false],
    [REPLY(5), true],
    [text('{"t'), false], // shorter than any reply prefix
    [frame(0x88, Buffer.from([0x03, 0xe8])), false], // close 1000
  ];
  return {
    bytes: Buffer.concat(frames.map(([f]) => f)),
    replies: frames.filter(([, r]) => r).length,
    others: Buffer.concat(frames.filter(([, r]) => !r).map(([f]) => f)),
  };
}

function filtered(chunks: Buffer[]): { replies: number; forwarded: Buffer; bad: string[] } {
  const out: Buffer[] = [];
  const seen = { replies: 0, bad: [] as string[] };
  const sink: ReplySink = { replies: (n) => (seen.replies += n), badReply: (t) => seen.bad.push(t) };
  const filter = new ReplyFilter((b) => out.push(Buffer.from(b)), sink, ECHO);
  for (const c of chunks) filter.write(c);
  return { replies: seen.replies, forwarded: Buffer.concat(out), bad: seen.bad };
}

describe('ReplyFilter: heartbeat replies counted from frame headers, every other frame passed on whole', () => {
  const s = stream();

  it('in one chunk', () => {
    const r = filtered([s.bytes]);
    expect(r.replies).toBe(s.replies);
    expect(r.forwarded.equals(s.others)).toBe(true);
    expect(r.bad).toEqual([]);
  });

  it('cut at every byte: one cut anywhere, and one byte per chunk', () => {
    for (let cut = 1; cut < s.bytes.length; cut++) {
      const r = filtered([s.bytes.subarray(0, cut), s.bytes.subarray(cut)]);
      expect([cut, r.replies, r.forwarded.equals(s.others)]).toEqual([cut, s.replies, true]);
    }
    const bytewise = filtered(Array.from(s.bytes, (b) => Buffer.from([b])));
    expect(bytewise.replies).toBe(s.replies);
    expect(bytewise.forwarded.equals(s.others)).toBe(true);
  });

  it('a sampled reply that answers another heartbeat is reported, not taken for an answer', () => {
    const wrong = text('{"type": "ka_heartbeat_ok", "in_reply_to": 2, "last_seen_ms_ago": 0, "msg_id": 9}');
    const r = filtered([Buffer.concat([wrong, REPLY(10)])]);
    expect(r.replies).toBe(2);
    expect(r.bad).toHaveLength(1);
    expect(r.bad[0]).toContain('"in_reply_to": 2');
  });
});

const SHAPE: Omit<LoadConfig, 'url'> = {
  connections: 20,
  muxConnections: 0,
  idsPerMux: 2,
  silenceFraction: 0,
  maxConnectionsPerChild: 10,
  timeoutMs: 8_000,
  pingIntervalMs: 4_000,
  heartbeatIntervalMs: 0,
  connectConcurrency: 10,
};

describe('the load tool against real servers', () => {
  const cleanup: Array<() => unknown> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it("counts a real gateway's heartbeat replies, and the connections stay usable after the burst", async () => {
    // No message-rate limit: a closed-loop burst on a quiet moment passes the default 10,000/s per
    // connection, the gateway drops heartbeats unread (their replies never come, the window stalls)
    // and closes the connections 4011, so the second burst counted nothing (a CI run at 21:32 UTC).
    // This test is about counting replies, not the limit (test/edge/limits.test.ts has that).
    const gateway = await startGateway({ args: ['--threads', '1', '--max-message-rate', '0'] });
    cleanup.push(() => gateway.stop());
    const run = await LoadRun.start({ ...SHAPE, url: gateway.wsUrl() });
    cleanup.push(() => run.stop());
    const c = await run.connect();
    expect([c.opened, c.failed, c.registered]).toEqual([20, 0, 20]);
    const t = await run.throughput(20, 8, 200, 500);
    expect(t.repliesPerSec).toBeGreaterThan(0);
    const after = await run.counts();
    expect(after.badReplies).toBe(0);
    // Every reply counted answers a frame sent: never more replies than heartbeats (register frames count as sent too).
    expect(after.burstReplies).toBeLessThanOrEqual(after.framesSent);
    // A second burst on the same connections: the filter left every socket at a frame boundary for ws.
    const again = await run.throughput(20, 8, 100, 300);
    expect(again.repliesPerSec).toBeGreaterThan(0);
    const status = await gateway.get('/healthz');
    expect(status.status).toBe(200);
  }, 60_000);

  it('quiet clients behind the filter answer every ka_ping: none expires over several timeouts', async () => {
    const gateway = await startGateway({ args: ['--threads', '1'] });
    cleanup.push(() => gateway.stop());
    const run = await LoadRun.start({ ...SHAPE, url: gateway.wsUrl(), timeoutMs: 1_000, pingIntervalMs: 300 });
    cleanup.push(() => run.stop());
    const c = await run.connect();
    expect(c.failed).toBe(0);
    await new Promise((r) => setTimeout(r, 3_000));
    const counts = await run.counts();
    // 20 clients, a ka_ping every 300 ms each for 3 s: about 200; at least a few per client even on a loaded machine.
    expect(counts.kaPingsReceived).toBeGreaterThan(40);
    expect((await run.losses()).falsePositives).toBe(0);
  }, 60_000);

  it('fails the throughput run of a server whose replies answer another heartbeat', async () => {
    const server = await startWrongReplyServer();
    cleanup.push(() => server.close());
    const run = await LoadRun.start({ ...SHAPE, url: `ws://127.0.0.1:${server.port}/ws` });
    cleanup.push(() => run.stop());
    const c = await run.connect();
    expect(c.failed).toBe(0);
    await expect(run.throughput(20, 8, 100, 300)).rejects.toThrow(/did not answer the heartbeat/);
  }, 60_000);
});
