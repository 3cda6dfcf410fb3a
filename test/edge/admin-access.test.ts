import { describe, expect, it } from 'vitest';
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { AdminAccess, type AdminRefusal } from '../../src/edge/admin-access.js';
import { isLoopbackHost, peerAddress } from '../../src/edge/peer-address.js';
import { runCli } from '../helpers/run-node.js';
import { metric, startGateway, useGateway } from '../gateway/helpers/gateway-process.js';

const TOKEN = 'admin-token-0123456789';

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; auth: string | null }> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(15_000) });
  return { status: res.status, text: await res.text(), auth: res.headers.get('www-authenticate') };
}

describe('admin access on the gateway port, no token: loopback peers', () => {
  const gw = useGateway();

  it('serves /status, /metrics and /healthz to a loopback peer', async () => {
    expect((await get(gw.url('/status'))).status).toBe(200);
    expect((await get(gw.url('/metrics'))).status).toBe(200);
    expect((await get(gw.url('/healthz'))).status).toBe(200);
  });
});

describe('admin access with --admin-token', () => {
  const gw = useGateway({ args: ['--admin-token', TOKEN] });

  it('refuses admin routes without a token or with a wrong one (401), counted', async () => {
    for (const path of ['/status', '/metrics']) {
      const none = await get(gw.url(path));
      expect(none.status).toBe(401);
      expect(none.auth).toContain('Bearer');
      expect(JSON.parse(none.text)).toEqual({ error: 'admin token required (Authorization: Bearer TOKEN)' });
      const wrong = await get(gw.url(path), { authorization: `Bearer ${TOKEN}x` });
      expect(wrong.status).toBe(401);
      expect(JSON.parse(wrong.text)).toEqual({ error: 'admin token rejected' });
      expect((await get(gw.url(`${path}?admin_token=nope`))).status).toBe(401);
    }
    const metrics = await get(gw.url('/metrics'), { authorization: `Bearer ${TOKEN}` });
    expect(metrics.status).toBe(200);
    expect(metric(metrics.text, 'keepwatch_admin_refusals_total{reason="no_token"}')).toBe(2);
    expect(metric(metrics.text, 'keepwatch_admin_refusals_total{reason="bad_token"}')).toBe(4);
  });

  it('serves them with the token in the header or the query; /healthz stays open', async () => {
    const status = await get(gw.url('/status'), { authorization: `Bearer ${TOKEN}` });
    expect(status.status).toBe(200);
    expect(JSON.parse(status.text)).toMatchObject({ total: 0 });
    expect((await get(gw.url(`/status?admin_token=${TOKEN}&limit=5`))).status).toBe(200);
    expect((await get(gw.url('/healthz'))).status).toBe(200);
  });
});

describe('admin routes on a separate --admin-port', () => {
  const gw = useGateway({ args: ['--admin-port', '0'] });

  it('moves /status and /metrics there; the gateway port answers 404 for them and keeps /healthz', async () => {
    const adminPort = gw.startup.adminPort;
    expect(typeof adminPort).toBe('number');
    expect(adminPort).not.toBe(gw.port);
    expect((await get(gw.url('/status'))).status).toBe(404);
    expect((await get(gw.url('/metrics'))).status).toBe(404);
    expect((await get(gw.url('/healthz'))).status).toBe(200);
    expect((await get(`http://127.0.0.1:${String(adminPort)}/status`)).status).toBe(200);
    const metrics = await get(`http://127.0.0.1:${String(adminPort)}/metrics`);
    expect(metrics.text).toContain('keepwatch_connections');
    expect((await get(`http://127.0.0.1:${String(adminPort)}/nothing`)).status).toBe(404);
  });
});

describe('admin exposure refused at start-up', () => {
  it('a non-loopback --admin-host without a token exits 2 and says why; --insecure allows it', async () => {
    const run = await runCli(['serve', '--port', '0', '--admin-port', '0', '--admin-host', '0.0.0.0'], '');
    expect(run.code).toBe(2);
    expect(run.errLines.join('\n')).toContain('--admin-host 0.0.0.0 is not a loopback address');
    const gw = await startGateway({ args: ['--admin-port', '0', '--admin-host', '0.0.0.0', '--insecure'] });
    try {
      expect((await get(`http://127.0.0.1:${String(gw.startup.adminPort)}/status`)).status).toBe(200);
    } finally {
      await gw.stop();
    }
  });

  it('a short admin token is a usage error', async () => {
    const run = await runCli(['serve', '--port', '0', '--admin-token', 'short'], '');
    expect(run.code).toBe(2);
    expect(run.errLines.join('\n')).toContain('--admin-token must be at least 16');
  });
});

/** The rule's own input is the peer address uWS reports; a remote one cannot be produced on loopback, so it is handed in. */
function fakeRequest(address: number[], headers: Record<string, string> = {}, query = ''): { res: HttpResponse; req: HttpRequest; sent: string[] } {
  const sent: string[] = [];
  const res = {
    getRemoteAddress: () => new Uint8Array(address).buffer,
    cork(fn: () => void) {
      fn();
      return res;
    },
    writeStatus(status: string) {
      sent.push(status);
      return res;
    },
    writeHeader(name: string, value: string) {
      sent.push(`${name}: ${value}`);
      return res;
    },
    end(body: string) {
      sent.push(body);
      return res;
    },
  } as unknown as HttpResponse;
  const req = { getHeader: (name: string) => headers[name] ?? '', getQuery: () => query } as unknown as HttpRequest;
  return { res, req, sent };
}

describe('the admin rule on peer addresses', () => {
  const remote4 = [192, 0, 2, 7];
  const mappedLoopback = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1];
  const loopback6 = [...Array(15).fill(0), 1];
  const remote6 = [0xfd, 0, ...Array(13).fill(0), 2];

  it('no token: loopback peers (IPv4, mapped, ::1) pass, others get 403', () => {
    const refused: AdminRefusal[] = [];
    const access = new AdminAccess(undefined, false, (r) => refused.push(r));
    for (const address of [[127, 0, 0, 1], [127, 9, 9, 9], mappedLoopback, loopback6]) {
      expect(access.allows(fakeRequest(address).res, fakeRequest(address).req)).toBe(true);
    }
    const r = fakeRequest(remote4);
    expect(access.allows(r.res, r.req)).toBe(false);
    expect(r.sent[0]).toBe('403 Forbidden');
    const r6 = fakeRequest(remote6);
    expect(access.allows(r6.res, r6.req)).toBe(false);
    expect(refused).toEqual(['not_loopback', 'not_loopback']);
  });

  it('a separate listener without a token lets any peer in; a token is checked for every peer, loopback included', () => {
    expect(new AdminAccess(undefined, true).allows(fakeRequest(remote4).res, fakeRequest(remote4).req)).toBe(true);
    const withToken = new AdminAccess(TOKEN, false);
    const local = fakeRequest([127, 0, 0, 1]);
    expect(withToken.allows(local.res, local.req)).toBe(false);
    expect(local.sent[0]).toBe('401 Unauthorized');
    const remote = fakeRequest(remote4, { authorization: `bearer ${TOKEN}` });
    expect(withToken.allows(remote.res, remote.req)).toBe(true);
  });

  it('peer addresses have one canonical text per host', () => {
    expect(peerAddress(new Uint8Array(mappedLoopback).buffer)).toEqual({ text: '127.0.0.1', loopback: true });
    expect(peerAddress(new Uint8Array(remote6).buffer)).toEqual({ text: 'fd00:0:0:0:0:0:0:2', loopback: false });
    expect(peerAddress(new Uint8Array(loopback6).buffer).loopback).toBe(true);
  });

  it('bind addresses: loopback or not', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.0.2.2', 'example.com', '::2', '']) expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('admin flags in --help', () => {
  it('documents every admin flag', async () => {
    const text = (await runCli(['serve', '--help'], '')).stdout.toString();
    for (const flag of ['--admin-token', '--admin-port', '--admin-host', '--insecure']) expect(text).toContain(flag);
  });
});
