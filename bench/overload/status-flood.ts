/**
 * Issue 8 item 1 as a measurement: N registered clients, K concurrent
 * loops of GET /status?limit=L for S seconds, and V victims heartbeating
 * every 250 ms with a 1,500 ms timeout. Prints how many victims were closed
 * (false expiries), their heartbeat round trips, and the cost of one status
 * request alone (on a kept-alive socket, beside a 404 on the same socket as
 * the baseline; and through fetch, whose own cost dominates a small route). Loopback only, bounded in time; the server is killed by PID.
 *
 *   node dist/bench/overload/status-flood.js --workers 0 --clients 100000 --loops 114 --seconds 10
 */
import type WebSocket from 'ws';
import { HeartbeatVictims } from './heartbeat-victims.js';
import { flags, KeepAliveGet, runBench, percentile, registerBulk, round, startServe } from './overload-kit.js';

const f = flags('node dist/bench/overload/status-flood.js', { workers: '0', clients: '100000', loops: '114', seconds: '10', victims: '50', limit: '0' });
const VICTIM_TIMEOUT_MS = 1500;
const HEARTBEAT_MS = 250;

async function main(): Promise<void> {
  const workers = Number(f.workers);
  const { server, port } = await startServe('gateway', workers > 0 ? ['--workers', f.workers, '--shards', String(workers * 2)] : []);
  const bulk: WebSocket[] = [];
  try {
    const perConn = 50_000;
    for (let done = 0; done < Number(f.clients); done += perConn) {
      bulk.push(await registerBulk(port, Math.min(perConn, Number(f.clients) - done), `bulk${done}`, 3_600_000));
    }
    // One status alone, unloaded: the cost of a request, on a kept-alive socket (fetch's own ~1 ms would hide it),
    // beside the baseline of a 404 on the same socket (a route that does nothing).
    const single: number[] = [];
    const notFound: number[] = [];
    const raw = await KeepAliveGet.open(port);
    for (let i = 0; i < 520; i++) {
      const status = await raw.time(`/status?limit=${f.limit}`);
      const baseline = await raw.time('/no-such-route');
      if (i >= 20) single.push(status), notFound.push(baseline);
    }
    raw.close();
    const viaFetch: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await (await fetch(`http://127.0.0.1:${port}/status?limit=${f.limit}`)).text();
      viaFetch.push(performance.now() - t);
    }
    const victims = await HeartbeatVictims.open(port, Number(f.victims), VICTIM_TIMEOUT_MS, HEARTBEAT_MS);
    const until = performance.now() + Number(f.seconds) * 1000;
    const latencies: number[] = [];
    let requests = 0;
    const loop = async (): Promise<void> => {
      while (performance.now() < until) {
        const t = performance.now();
        await (await fetch(`http://127.0.0.1:${port}/status?limit=${f.limit}`, { signal: AbortSignal.timeout(60_000) })).text();
        latencies.push(performance.now() - t);
        requests++;
      }
    };
    await Promise.all(Array.from({ length: Number(f.loops) }, loop));
    await new Promise((r) => setTimeout(r, 1000));
    const openVictims = victims.stillOpen;
    const rtts = victims.takeRtts();
    victims.close();
    for (const ws of bulk) ws.terminate();
    process.stdout.write(
      JSON.stringify({
        workers,
        clients: Number(f.clients),
        loops: Number(f.loops),
        seconds: Number(f.seconds),
        statusAloneP50Ms: round(percentile(single, 50), 3),
        statusAloneP99Ms: round(percentile(single, 99), 3),
        notFoundAloneP50Ms: round(percentile(notFound, 50), 3),
        statusAloneViaFetchP50Ms: round(percentile(viaFetch, 50)),
        statusUnderFloodP50Ms: round(percentile(latencies, 50)),
        requests,
        victims: victims.count,
        victimsClosed: victims.closed.length,
        closeCodes: victims.closed,
        victimsOpen: openVictims,
        heartbeatRttP50Ms: round(percentile(rtts, 50)),
        heartbeatRttP99Ms: round(percentile(rtts, 99)),
      }) + '\n',
    );
  } finally {
    await server.stop();
  }
}

runBench(main);
