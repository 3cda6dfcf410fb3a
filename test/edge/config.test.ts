import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../src/transports/gateway/serve-args.js';
import { runCli } from '../helpers/run-node.js';
import { startGateway } from '../gateway/helpers/gateway-process.js';
import { TestClient } from '../gateway/helpers/ws-client.js';

function configFile(body: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'keepwatch-config-')), 'keepwatch.json');
  writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
  return file;
}

function options(args: string[], env: NodeJS.ProcessEnv = {}) {
  const parsed = parseServeArgs(args, env);
  if (parsed.help) throw new Error('help');
  return parsed.options;
}

describe('--config FILE and KEEPWATCH_* variables', () => {
  it('precedence: flags over the environment over the file over defaults', () => {
    const file = configFile({ 'min-timeout-ms': 100, 'max-timeout-ms': 9000, 'min-ping-interval-ms': 50, takeover: 'reject', 'allowed-origins': ['https://a.example', 'https://b.example'] });
    const fromFile = options(['--config', file]);
    expect(fromFile).toMatchObject({ minTimeoutMs: 100, maxTimeoutMs: 9000, minPingIntervalMs: 50, takeover: 'reject', allowedOrigins: ['https://a.example', 'https://b.example'] });
    const env = { KEEPWATCH_MAX_TIMEOUT_MS: '8000', KEEPWATCH_MIN_PING_INTERVAL_MS: '60' };
    expect(options(['--config', file], env)).toMatchObject({ minTimeoutMs: 100, maxTimeoutMs: 8000, minPingIntervalMs: 60 });
    expect(options(['--config', file, '--max-timeout-ms', '7000'], env)).toMatchObject({ minTimeoutMs: 100, maxTimeoutMs: 7000, minPingIntervalMs: 60 });
    // KEEPWATCH_CONFIG names the file when --config does not.
    expect(options([], { KEEPWATCH_CONFIG: file })).toMatchObject({ maxTimeoutMs: 9000 });
    expect(options([], { KEEPWATCH_INSECURE: '1', KEEPWATCH_HOST: '0.0.0.0' })).toMatchObject({ insecure: true, host: '0.0.0.0' });
    expect(options([])).toMatchObject({ minTimeoutMs: 1, takeover: 'newest' });
  });

  it('bad input is a clear error naming the source', () => {
    expect(() => options(['--config', configFile({ prot: 1 })])).toThrow("unknown setting 'prot'");
    expect(() => options(['--config', configFile('{"port": ')])).toThrow(/--config .*keepwatch\.json: .*JSON/);
    expect(() => options(['--config', '/nonexistent/keepwatch.json'])).toThrow('ENOENT');
    expect(() => options(['--config', configFile({ insecure: 'yes' })])).toThrow("'insecure' must be true or false");
    expect(() => options([], { KEEPWATCH_MAX_TIMEOUT_MS: 'soon' })).toThrow("--max-timeout-ms must be an integer");
    expect(() => options([], { KEEPWATCH_INSECURE: 'maybe' })).toThrow('KEEPWATCH_INSECURE must be 1, true, 0 or false');
  });

  it('a real gateway takes its settings from the file and the environment, flags winning', async () => {
    const file = configFile({ 'min-timeout-ms': 400, 'max-timeout-ms': 3000 });
    const gw = await startGateway({ args: ['--config', file, '--max-timeout-ms', '2000'], env: { KEEPWATCH_MIN_PING_INTERVAL_MS: '250' } });
    try {
      const c = await TestClient.open(gw.wsUrl());
      expect((await c.register('cfg', 1, 1)).body).toMatchObject({ timeout_ms: 400, ping_interval_ms: 250 });
      expect((await c.register('cfg-2', 60_000, 1000)).body).toMatchObject({ timeout_ms: 2000, ping_interval_ms: 1000 });
      c.close();
    } finally {
      await gw.stop();
    }
    const bad = await runCli(['serve', '--config', configFile({ nope: true })], '');
    expect(bad.code).toBe(2);
    expect(bad.errLines.join('\n')).toContain("unknown setting 'nope'");
  });
});
