/**
 * Issue 8 item 5 as a measurement: a gateway whose open-file limit is
 * --nofile, held at its connection cap, while L loops keep opening one more
 * connection each (every 20 ms) for S seconds and /healthz is asked every
 * 50 ms. Prints the server's CPU share over the window (/proc/<pid>/stat),
 * /healthz latency p50/p99 and failures, and the refused attempts' outcomes;
 * the baseline is /healthz of the same gateway, idle, over as long a window
 * before the connections are opened.
 * `--max-connections N` overrides the cap derived from the limit (a cap
 * above the limit reproduces the EMFILE spin). Loopback only, bounded in
 * time; the server is killed by PID.
 *
 *   node dist/bench/overload/file-limit.js --nofile 1024 --seconds 10 --loops 8
 */
import WebSocket from 'ws';
import { readCpuSeconds } from '../gateway/proc-stats.js';
import { flags, runBench, percentile, round, startServe } from './overload-kit.js';

const f = flags('node dist/bench/overload/file-limit.js', { nofile: '1024', seconds: '10', loops: '8', 'max-connections': '' });

/** Opens a WebSocket: 'open' (kept in `held`), or the HTTP status / error it was refused with. */
function attempt(port: number, held: WebSocket[]): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    const timer = setTimeout(() => {
      ws.terminate();
      resolve('timeout');
    }, 5000);
    ws.once('open', () => {
      clearTimeout(timer);
      held.push(ws);
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      res.resume();
      ws.terminate();
      resolve(String(res.statusCode));
    });
    ws.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(error.code ?? error.message);
    });
  });
}

/** GET /healthz every 50 ms until `until`: the latencies of those answered 200 within 2 s, and how many were not. */
async function probeHealth(port: number, until: number): Promise<{ answered: number[]; failed: number }> {
  const answered: number[] = [];
  let failed = 0;
  while (performance.now() < until) {
    const t = performance.now();
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
      await res.text();
      if (res.status === 200) answered.push(performance.now() - t);
      else failed++;
    } catch {
      failed++;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { answered, failed };
}

async function main(): Promise<void> {
  const args = f['max-connections'] === '' ? [] : ['--max-connections', f['max-connections']];
  const { server, port } = await startServe('gateway', args, ['prlimit', `--nofile=${f.nofile}:${f.nofile}`]);
  const held: WebSocket[] = [];
  try {
    // Baseline, same run: /healthz of the same gateway, idle, over the same window.
    const idle = await probeHealth(port, performance.now() + Number(f.seconds) * 1000);
    // Fill up to the cap (or to the limit): open in batches until one is refused.
    let filled = 0;
    for (;;) {
      const outcomes = await Promise.all(Array.from({ length: 50 }, () => attempt(port, held)));
      filled += outcomes.filter((o) => o === 'open').length;
      if (outcomes.some((o) => o !== 'open')) break;
    }
    const outcomes: Record<string, number> = {};
    const cpuBefore = readCpuSeconds(server.pid);
    const started = performance.now();
    const until = started + Number(f.seconds) * 1000;
    const refuser = async (): Promise<void> => {
      while (performance.now() < until) {
        const outcome = await attempt(port, held);
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const [health] = await Promise.all([probeHealth(port, until), ...Array.from({ length: Number(f.loops) }, refuser)]);
    const cpuShare = (readCpuSeconds(server.pid) - cpuBefore) / ((performance.now() - started) / 1000);
    process.stdout.write(
      JSON.stringify({
        nofile: Number(f.nofile),
        maxConnections: f['max-connections'] === '' ? 'derived' : Number(f['max-connections']),
        held: filled,
        seconds: Number(f.seconds),
        attempts: outcomes,
        serverCpuPercent: round(cpuShare * 100, 1),
        healthzAnswered: health.answered.length,
        healthzFailed: health.failed,
        healthzP50Ms: round(percentile(health.answered, 50)),
        healthzP99Ms: round(percentile(health.answered, 99)),
        idleHealthzP50Ms: round(percentile(idle.answered, 50)),
        idleHealthzP99Ms: round(percentile(idle.answered, 99)),
      }) + '\n',
    );
  } finally {
    for (const ws of held) ws.terminate();
    await server.stop();
  }
}

runBench(main);
