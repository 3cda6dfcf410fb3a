import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeSelfSignedCert } from '../../bench/lib/self-signed-cert.js';
import { runCli } from '../helpers/run-node.js';
import { startGateway } from '../gateway/helpers/gateway-process.js';
import { TestClient } from '../gateway/helpers/ws-client.js';
import { bearer, SECRET, token, upgradeStatus } from './helpers/tokens.js';

describe('TLS (--tls-cert, --tls-key)', () => {
  it('serves wss:// with a verified handshake, keep-alive over TLS, tokens on top; plain ws:// gets nothing', async () => {
    const tls = makeSelfSignedCert();
    const gw = await startGateway({ args: ['--tls-cert', tls.cert, '--tls-key', tls.key, '--auth', 'jwt', '--jwt-secret', SECRET, '--ping-jitter-ms', '0'] });
    try {
      const url = `wss://127.0.0.1:${gw.port}/ws`;
      // The listening line gives the URL a client opens.
      expect(String(gw.logs.find((l) => l.event === 'listening')?.msg)).toContain(`keepwatch serve on ${url}`);
      // The client verifies the chain against the test's own CA (the certificate itself): no rejectUnauthorized: false.
      const c = await TestClient.open(url, { ws: { ca: tls.pem, ...bearer(await token({ sub: 'tls-dev' })) } });
      expect((await c.register('tls-dev', 800, 200)).body).toMatchObject({ type: 'ka_register_ok', timeout_ms: 800 });
      // Keep-alive over TLS: pinged, answers, still there after several timeouts' worth; then silent and expired with 4000.
      for (let i = 0; i < 4; i++) {
        // A ping that came after our last answer.
        const answeredAt = c.lastSent;
        const ping = await c.next((m) => m.body.type === 'ka_ping' && m.at > answeredAt, 5000);
        c.send({ type: 'ka_pong', client_id: 'tls-dev' });
        expect(ping.body.client_id).toBe('tls-dev');
      }
      expect(c.isOpen).toBe(true);
      expect((await c.closed).code).toBe(4000);
      // Without a token the TLS upgrade is still refused.
      expect((await upgradeStatus(url, { ca: tls.pem })).status).toBe(401);
      // An unverified certificate is refused by a verifying client (the handshake is real TLS).
      await expect(TestClient.open(url, { ws: bearer(await token({ sub: 'x' })) })).rejects.toThrow(/self.signed|certificate/i);
      const https = await fetch(`https://127.0.0.1:${gw.port}/healthz`).catch((error: unknown) => error);
      expect(https).toBeInstanceOf(Error);
      await expect(TestClient.open(`ws://127.0.0.1:${gw.port}/ws`)).rejects.toThrow();
    } finally {
      await gw.stop();
    }
  });

  it('a missing or non-PEM file is a start-up error naming it (exit 2)', async () => {
    const tls = makeSelfSignedCert();
    const bogus = join(tls.dir, 'bogus.pem');
    writeFileSync(bogus, 'not a certificate');
    for (const [cert, key, text] of [
      [join(tls.dir, 'missing.pem'), tls.key, 'missing.pem: ENOENT'],
      [bogus, tls.key, 'no PEM certificate'],
      [tls.cert, bogus, 'no PEM private key'],
    ]) {
      const run = await runCli(['serve', '--port', '0', '--tls-cert', cert, '--tls-key', key], '');
      expect(run.code).toBe(2);
      expect(run.errLines.join('\n')).toContain(text);
    }
    const half = await runCli(['serve', '--port', '0', '--tls-cert', tls.cert], '');
    expect(half.code).toBe(2);
    expect(half.errLines.join('\n')).toContain('--tls-cert and --tls-key go together');
  });
});

describe('listen failures say why', () => {
  it('a taken port: EADDRINUSE; an address not on this machine: EADDRNOTAVAIL (exit 4)', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const taken = await startGateway({ args: ['--port', String(port)], expectFailure: true });
      const line = await taken.waitForLog((l) => l.event === 'listen_failed');
      expect(line).toMatchObject({ reason: 'EADDRINUSE', port });
      expect(String(line.msg)).toContain('the port is already in use');
      expect((await taken.exited).code).toBe(4);
    } finally {
      holder.close();
    }
    // 198.51.100.0/24 is TEST-NET-2: never an address of this machine.
    const elsewhere = await startGateway({ args: ['--host', '198.51.100.7', '--insecure'], expectFailure: true });
    expect(await elsewhere.waitForLog((l) => l.event === 'listen_failed')).toMatchObject({ reason: 'EADDRNOTAVAIL' });
    expect((await elsewhere.exited).code).toBe(4);
  });
});
