/**
 * What keepwatch says about itself on GET /metrics, read after the
 * detection phase: its own detection delay (deadline to close, on its clock)
 * tells the server's lateness apart from the time the close took to reach
 * the observer; its event-loop lag tells how busy the process was.
 */
export interface ServerSideFigures {
  /** Expiries the server counted. */
  expiries: number;
  /** Bucket upper bounds (ms) holding the 50th and 99th percentile of the server's detection delay. */
  detectionP50UpToMs: number | null;
  detectionP99UpToMs: number | null;
  eventLoopLagP99Ms: number | null;
  eventLoopLagMaxMs: number | null;
}

function bucketPercentile(buckets: Array<[number, number]>, p: number): number | null {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return null;
  const hit = buckets.find(([, cumulative]) => cumulative >= (p / 100) * total);
  return hit === undefined ? null : hit[0] * 1000;
}

function gauge(text: string, name: string): number | null {
  const m = new RegExp(`^${name} ([0-9.eE+-]+)$`, 'm').exec(text);
  return m === null ? null : Number(m[1]) * 1000;
}

export function parseServerFigures(text: string): ServerSideFigures {
  const buckets: Array<[number, number]> = [];
  for (const m of text.matchAll(/^keepwatch_detection_delay_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)) {
    buckets.push([m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2])]);
  }
  return {
    expiries: buckets.at(-1)?.[1] ?? 0,
    detectionP50UpToMs: bucketPercentile(buckets, 50),
    detectionP99UpToMs: bucketPercentile(buckets, 99),
    eventLoopLagP99Ms: gauge(text, 'nodejs_eventloop_lag_p99_seconds'),
    eventLoopLagMaxMs: gauge(text, 'nodejs_eventloop_lag_max_seconds'),
  };
}

export async function fetchServerFigures(port: number): Promise<ServerSideFigures | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(10_000) });
    return res.ok ? parseServerFigures(await res.text()) : null;
  } catch {
    return null;
  }
}
