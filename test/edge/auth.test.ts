import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-node.js';
import { metric, startGateway, useGateway } from '../gateway/helpers/gateway-process.js';
import { sleep, TestClient } from '../gateway/helpers/ws-client.js';
import { bearer, SECRET, token, upgradeStatus } from './helpers/tokens.js';

const AUTH = ['--auth', 'jwt', '--jwt-secret', SECRET];

async function statusIds(gw: { get(path: string): Promise<{ text: string }> }): Promise<string[]> {
  const body = JSON.parse((await gw.get('/status')).text) as { connections: { client_id: string }[] };
  return body.connections.map((c) => c.client_id);
}

describe('--auth jwt: the upgrade', () => {
  const gw = useGateway({ args: AUTH });

  it('refuses no token, a bad signature, an expired token and a token naming no id with 401, counted; never crashes', async () => {
    const none = await upgradeStatus(gw.wsUrl());
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body)).toMatchObject({ error: expect.stringContaining('token required') as unknown });
    expect((await upgradeStatus(gw.wsUrl(), bearer(await token({ sub: 'a' }, 300, 'another-secret-0123456789abcdef-0123'))))).toMatchObject({ status: 401 });
    const expired = await upgradeStatus(gw.wsUrl(), bearer(await token({ sub: 'a' }, -60)));
    expect(expired.status).toBe(401);
    expect(expired.body).toContain('expired');
    expect((await upgradeStatus(gw.wsUrl(), bearer(await token({ role: 'x' })))).status).toBe(401);
    expect((await upgradeStatus(gw.wsUrl(), bearer('not.a.jwt'))).status).toBe(401);
    expect((await upgradeStatus(gw.wsUrl(), bearer('%%%'))).status).toBe(401);
    const text = (await gw.get('/metrics')).text;
    expect(metric(text, 'keepwatch_upgrade_refusals_total{reason="token_missing"}')).toBe(1);
    expect(metric(text, 'keepwatch_upgrade_refusals_total{reason="token_bad_signature"}')).toBe(1);
    expect(metric(text, 'keepwatch_upgrade_refusals_total{reason="token_expired"}')).toBe(1);
    expect(metric(text, 'keepwatch_upgrade_refusals_total{reason="token_no_client_id"}')).toBe(1);
    expect(metric(text, 'keepwatch_upgrade_refusals_total{reason="token_invalid"}')).toBe(2);
    expect(JSON.parse((await gw.get('/healthz')).text)).toMatchObject({ connections: 0 });
  });

  it('a token in the Authorization header or in ?access_token= registers its own id', async () => {
    const c = await TestClient.open(gw.wsUrl(), { ws: bearer(await token({ sub: 'dev-1' })) });
    expect((await c.register('dev-1', 5000, 1000)).body).toMatchObject({ type: 'ka_register_ok' });
    const q = await TestClient.open(`${gw.wsUrl()}?access_token=${await token({ sub: 'dev-2' })}`);
    expect((await q.register('dev-2', 5000, 1000)).body).toMatchObject({ type: 'ka_register_ok' });
    expect(await statusIds(gw)).toEqual(expect.arrayContaining(['dev-1', 'dev-2']));
    c.close();
    q.close();
  });

  it('a wrong id is refused with error 30 and neither registers nor moves the owner', async () => {
    const owner = await TestClient.open(gw.wsUrl(), { ws: bearer(await token({ sub: 'owned' })) });
    await owner.register('owned', 5000, 1000);
    const intruder = await TestClient.open(gw.wsUrl(), { ws: bearer(await token({ sub: 'intruder' })) });
    const reply = await intruder.register('owned', 5000, 1000);
    expect(reply.body).toMatchObject({ type: 'error', code: 30 });
    expect(reply.body.text).toContain("'owned' is not covered");
    expect((await intruder.register('someone-else')).body).toMatchObject({ type: 'error', code: 30 });
    await sleep(100);
    expect(owner.isOpen).toBe(true);
    expect(owner.ofType('ka_moved')).toEqual([]);
    expect((await owner.request({ type: 'ka_heartbeat', client_id: 'owned' })).body).toMatchObject({ type: 'ka_heartbeat_ok' });
    expect(await statusIds(gw)).not.toContain('someone-else');
    expect(metric((await gw.get('/metrics')).text, 'keepwatch_register_refusals_total{reason="not_permitted"}')).toBe(2);
    owner.close();
    intruder.close();
  });

  it('client_ids and client_id_prefix claims: a multiplexing edge registers the ids they cover, only those', async () => {
    const edge = await TestClient.open(gw.wsUrl(), { ws: bearer(await token({ client_id_prefix: 'site-7/', client_ids: ['extra'] })) });
    for (const id of ['site-7/a', 'site-7/b', 'extra']) expect((await edge.register(id, 5000, 1000)).body).toMatchObject({ type: 'ka_register_ok' });
    for (const id of ['site-8/a', 'site-7', 'extra2']) expect((await edge.register(id, 5000, 1000)).body).toMatchObject({ type: 'error', code: 30 });
    expect((await edge.request({ type: 'ka_check' })).body.active).toEqual(['site-7/a', 'site-7/b', 'extra']);
    edge.close();
  });

  it('a connection whose token expires is closed with 4010, and its client removed', async () => {
    const c = await TestClient.open(gw.wsUrl(), { ws: bearer(await token({ sub: 'short-lived' }, 2)) });
    await c.register('short-lived', 60_000, 30_000);
    const closed = await Promise.race([c.closed, sleep(8000).then(() => undefined)]);
    expect(closed).toMatchObject({ code: 4010, reason: 'token expired' });
    await sleep(50);
    expect(await statusIds(gw)).not.toContain('short-lived');
    expect(metric((await gw.get('/metrics')).text, 'keepwatch_connection_closes_total{reason="token_expired"}')).toBe(1);
  });
});

describe('--takeover reject', () => {
  const gw = useGateway({ args: [...AUTH, '--takeover', 'reject'] });

  it('a second connection with a valid token for the same id is refused with error 31; the first keeps it', async () => {
    const first = await TestClient.open(gw.wsUrl(), { ws: bearer(await token({ sub: 'dev' })) });
    await first.register('dev', 5000, 1000);
    const second = await TestClient.open(gw.wsUrl(), { ws: bearer(await token({ sub: 'dev' })) });
    const reply = await second.register('dev', 5000, 1000);
    expect(reply.body).toMatchObject({ type: 'error', code: 31 });
    await sleep(100);
    expect(first.isOpen).toBe(true);
    expect(first.ofType('ka_moved')).toEqual([]);
    // Once the holder is gone, the id is free again.
    first.close();
    await first.closed;
    await sleep(100);
    expect((await second.register('dev', 5000, 1000)).body).toMatchObject({ type: 'ka_register_ok' });
    second.close();
  });
});

describe('--takeover newest (default) with tokens', () => {
  const gw = useGateway({ args: AUTH });

  it('a holder of a token for the id takes it over (4001 to the old connection)', async () => {
    const first = await TestClient.open(gw.wsUrl(), { ws: bearer(await token({ sub: 'roamer' })) });
    await first.register('roamer', 5000, 1000);
    const second = await TestClient.open(gw.wsUrl(), { ws: bearer(await token({ sub: 'roamer' })) });
    expect((await second.register('roamer', 5000, 1000)).body).toMatchObject({ type: 'ka_register_ok' });
    expect((await first.closed).code).toBe(4001);
    second.close();
  });
});

describe('--jwt-jwks', () => {
  it('verifies tokens signed by a key of the set (ES256), refuses others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keepwatch-jwks-'));
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const other = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const file = join(dir, 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [jwk] }));
    const sign = (key: Parameters<SignJWT['sign']>[0]): Promise<string> =>
      new SignJWT({ sub: 'jwks-dev' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setExpirationTime('5m').sign(key);
    const gw = await startGateway({ args: ['--auth', 'jwt', '--jwt-jwks', file] });
    try {
      const c = await TestClient.open(gw.wsUrl(), { ws: bearer(await sign(privateKey)) });
      expect((await c.register('jwks-dev')).body).toMatchObject({ type: 'ka_register_ok' });
      c.close();
      expect((await upgradeStatus(gw.wsUrl(), bearer(await sign(other.privateKey)))).status).toBe(401);
    } finally {
      await gw.stop();
    }
    writeFileSync(file, '{"nope": 1}');
    const bad = await runCli(['serve', '--port', '0', '--auth', 'jwt', '--jwt-jwks', file], '');
    expect(bad.code).toBe(2);
    expect(bad.errLines.join('\n')).toContain('not a JSON Web Key Set');
  });
});

describe('exposure', () => {
  it('a non-loopback --host without auth exits 2 and says why; with --auth jwt or --insecure it starts', async () => {
    const run = await runCli(['serve', '--port', '0', '--host', '0.0.0.0'], '');
    expect(run.code).toBe(2);
    expect(run.errLines.join('\n')).toContain('--host 0.0.0.0 is not a loopback address');
    for (const args of [[...AUTH, '--host', '0.0.0.0'], ['--host', '0.0.0.0', '--insecure']]) {
      const gw = await startGateway({ args });
      await gw.stop();
    }
  });

  it('flag mistakes are usage errors', async () => {
    for (const [args, text] of [
      [['--auth', 'jwt'], 'needs exactly one of'],
      [['--auth', 'jwt', '--jwt-secret', 'short'], 'at least 32 bytes'],
      [['--auth', 'basic'], "--auth must be one of none, jwt, got 'basic'"],
      [['--jwt-secret', SECRET], 'need --auth jwt'],
      [['--takeover', 'oldest'], '--takeover must be one of'],
    ] as const) {
      const run = await runCli(['serve', '--port', '0', ...args], '');
      expect(run.code).toBe(2);
      expect(run.errLines.join('\n')).toContain(text);
    }
  });
});
