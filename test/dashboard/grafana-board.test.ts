/**
 * deploy/grafana/keepwatch.json queries only series a live gateway exports:
 * after some traffic (a ping, an expiry, a close, a move, a protocol error),
 * every metric name in the board's queries has a sample in GET /metrics.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useGateway } from '../gateway/helpers/gateway-process.js';
import { TestClient } from '../gateway/helpers/ws-client.js';

const BOARD = fileURLToPath(new URL('../../deploy/grafana/keepwatch.json', import.meta.url));

interface Board {
  panels: { type: string; targets?: { expr: string }[] }[];
  templating: { list: { query: unknown }[] };
}

/** Metric names in PromQL: identifiers followed by a selector, a range or an argument separator. */
function queriedMetrics(queries: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const q of queries) {
    // Grouping labels (`by (le, event)`) are not metrics.
    const withoutGrouping = q.replace(/\b(by|without)\s*\([^)]*\)/g, '');
    for (const m of withoutGrouping.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?=[{[,])/g)) names.add(m[1]);
  }
  return names;
}

/** Names with at least one sample line in a Prometheus text scrape. */
function scrapedSeries(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (m !== null) names.add(m[1]);
  }
  return names;
}

describe('Grafana board', () => {
  const gateway = useGateway({ args: ['--ping-jitter-ms', '0', '--threads', '1'] });

  it('queries only metrics that a live scrape has', async () => {
    const board = JSON.parse(readFileSync(BOARD, 'utf8')) as Board;
    const exprs = board.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    const variables = board.templating.list.map((v) => (typeof v.query === 'object' && v.query !== null ? String((v.query as { query?: string }).query ?? '') : String(v.query)));
    expect(exprs.length).toBeGreaterThan(10);
    const names = queriedMetrics([...exprs, ...variables]);
    // The label names and functions of the variables are not metrics: only these families are.
    for (const name of names) expect(name).toMatch(/^(keepwatch|nodejs|process)_/);

    // Traffic that makes every labelled series appear.
    const silent = await TestClient.open(gateway.wsUrl(), { autoPong: false });
    await silent.register('grafana-silent', 600, 200);
    const mover = await TestClient.open(gateway.wsUrl());
    await mover.register('grafana-moving', 60_000, 30_000);
    const taker = await TestClient.open(gateway.wsUrl());
    await taker.register('grafana-moving', 60_000, 30_000);
    await taker.register('grafana-other', 60_000, 30_000);
    await taker.request({ type: 'ka_heartbeat', client_id: 'grafana-nobody' }).catch(() => undefined);
    taker.sendRaw('{not json');
    expect((await silent.closed).code).toBe(4000);
    taker.close();
    await taker.closed;

    let missing: string[] = [];
    for (let attempt = 0; attempt < 20; attempt++) {
      const scrape = scrapedSeries((await gateway.get('/metrics')).text);
      missing = [...names].filter((n) => !scrape.has(n));
      if (missing.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(missing).toEqual([]);
    expect(names.size).toBeGreaterThan(12);
  });
});
