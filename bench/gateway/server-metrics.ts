import http from 'node:http';
import https from 'node:https';

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

/** A gauge in seconds, as ms. */
function gauge(text: string, name: string): number | null {
  const v = sampleValue(text, name);
  return v === null ? null : v * 1000;
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

/** GET /metrics from loopback (an admin route: loopback peers need no token); over https, verified against `caPem`. */
export async function fetchServerFigures(port: number, caPem?: string): Promise<ServerSideFigures | null> {
  const text = await fetchMetricsText(port, caPem);
  return text === null ? null : parseServerFigures(text);
}

/** The text of GET /metrics from loopback, or null; over https when `caPem` (the server's certificate) is given. */
export function fetchMetricsText(port: number, caPem?: string): Promise<string | null> {
  return getText(`${caPem === undefined ? 'http' : 'https'}://127.0.0.1:${port}/metrics`, caPem);
}

/** A sample's value in Prometheus text (`name` with its labels, if any, as written), or null when absent. */
export function sampleValue(text: string, name: string): number | null {
  const m = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} ([0-9.eE+-]+)$`, 'm').exec(text);
  return m === null ? null : Number(m[1]);
}

/** The body of a 200 answer, or null (any other status, an error, or no answer within 10 s). */
function getText(url: string, caPem: string | undefined): Promise<string | null> {
  return new Promise((resolve) => {
    const req = (url.startsWith('https:') ? https : http).get(url, { ca: caPem, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(res.statusCode === 200 ? body : null));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}
