import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Grant, scopeCovers, scopeOfClaims } from '../../src/edge/auth/scope.js';
import { TokenRefused, TokenVerifier } from '../../src/edge/auth/token-verifier.js';
import { ConnectionDeadlines } from '../../src/edge/limits/connection-deadlines.js';
import { SECRET, token } from './helpers/tokens.js';

const JWT = { jwtSecret: SECRET, jwtJwksFile: undefined, jwtIssuer: undefined, jwtAudience: undefined };

describe('a token scope, as its connection keeps it', () => {
  it('a sub alone is its string (no object); a list or a prefix is a Grant covering exactly those', () => {
    expect(scopeOfClaims({ sub: 'dev-1' })).toBe('dev-1');
    expect(scopeOfClaims({ client_ids: ['only'] })).toBe('only');
    expect(scopeOfClaims({ sub: '', client_ids: [7, ''] })).toBeUndefined();
    const listed = scopeOfClaims({ sub: 'a', client_ids: ['b', 'c'] });
    expect(listed).toBeInstanceOf(Grant);
    const prefixed = scopeOfClaims({ sub: 'a', client_id_prefix: 'site-7/' });
    expect(prefixed).toBeInstanceOf(Grant);
    const cases: Array<[ReturnType<typeof scopeOfClaims>, string, boolean]> = [
      ['dev-1', 'dev-1', true],
      ['dev-1', 'dev-10', false],
      [listed, 'a', true],
      [listed, 'c', true],
      [listed, 'd', false],
      [prefixed, 'a', true],
      [prefixed, 'site-7/x', true],
      [prefixed, 'site-8/x', false],
    ];
    for (const [scope, id, covered] of cases) expect(scopeCovers(scope as NonNullable<typeof scope>, id), `${String(scope)} ${id}`).toBe(covered);
  });

  it('the verifier accepts HS256, HS384 and HS512 with the one secret (a key per algorithm), refuses another secret and none', async () => {
    const verifier = new TokenVerifier(JWT);
    const exp = Math.floor(Date.now() / 1000) + 60;
    for (const alg of ['HS256', 'HS384', 'HS512', 'HS256']) {
      const signed = await new SignJWT({ sub: `dev-${alg}` }).setProtectedHeader({ alg }).setExpirationTime(exp).sign(new TextEncoder().encode(SECRET));
      await expect(verifier.verify(signed)).resolves.toEqual({ scope: `dev-${alg}`, expiresAtMs: exp * 1000 });
    }
    const forged = await token({ sub: 'dev-1' }, 60, `${SECRET}-not-the-same`);
    await expect(verifier.verify(forged)).rejects.toMatchObject({ reason: 'bad_signature' });
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`;
    await expect(verifier.verify(unsigned)).rejects.toBeInstanceOf(TokenRefused);
  });
});

describe('ConnectionDeadlines', () => {
  afterEach(() => vi.useRealTimers());

  it('calls each item at its time, in time order, never early, over random adds', async () => {
    vi.useFakeTimers();
    const clock = { now: () => Date.now(), observe: () => undefined, epochMs: (ms: number) => ms };
    const fired: Array<{ item: number; at: number; firedAt: number }> = [];
    const due = new Map<number, number>();
    const deadlines = new ConnectionDeadlines<number>(clock, (item) => fired.push({ item, at: due.get(item) ?? NaN, firedAt: clock.now() }));
    let seed = 11;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let item = 0; item < 500; item++) {
      const at = clock.now() + random(5000);
      due.set(item, at);
      deadlines.add(item, at);
      if (item % 50 === 0) await vi.advanceTimersByTimeAsync(random(300));
    }
    await vi.advanceTimersByTimeAsync(6000);
    expect(fired.length).toBe(500);
    expect(deadlines.size).toBe(0);
    for (let i = 0; i < fired.length; i++) {
      expect(fired[i].firedAt).toBeGreaterThanOrEqual(fired[i].at);
      if (i > 0) expect(fired[i].at).toBeGreaterThanOrEqual(fired[i - 1].at);
    }
  });
});
