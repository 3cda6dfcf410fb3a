import { SignJWT, type JWTPayload } from 'jose';
import WebSocket from 'ws';

export const SECRET = 'edge-test-secret-0123456789abcdef-0123456789';

/** An HS256 token over `claims`, expiring `expiresInS` seconds from now (negative: already expired). */
export function token(claims: JWTPayload, expiresInS = 300, secret = SECRET): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInS)
    .sign(new TextEncoder().encode(secret));
}

export const bearer = (t: string): WebSocket.ClientOptions => ({ headers: { authorization: `Bearer ${t}` } });

/** The HTTP status of a refused upgrade (or 101 when it was accepted, then closed at once). */
export function upgradeStatus(url: string, options: WebSocket.ClientOptions = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('open', () => {
      ws.close();
      resolve({ status: 101, body: '' });
    });
    ws.on('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}
