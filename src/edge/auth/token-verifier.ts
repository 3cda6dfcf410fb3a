import { readFileSync } from 'node:fs';
import { webcrypto } from 'node:crypto';
import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyOptions, type JWSHeaderParameters } from 'jose';
import { scopeOfClaims, type Scope } from './scope.js';

export interface JwtOptions {
  /** Shared secret for HS256/384/512 tokens. */
  jwtSecret: string | undefined;
  /** A JSON Web Key Set file (public keys: RS*, PS*, ES*, EdDSA). */
  jwtJwksFile: string | undefined;
  jwtIssuer: string | undefined;
  jwtAudience: string | undefined;
}

/** Why a token was refused at the upgrade; the label of keepwatch_auth_refusals_total. */
export type TokenRefusal = 'missing' | 'expired' | 'bad_signature' | 'invalid' | 'no_client_id';

export class TokenRefused extends Error {
  constructor(
    readonly reason: TokenRefusal,
    text: string,
  ) {
    super(text);
  }
}

/** A usage problem with the key material (a bad --jwt-jwks file): reported at start-up. */
export class KeyMaterialError extends Error {}

const SECRET_ALGORITHMS = ['HS256', 'HS384', 'HS512'];

/** A verified token as its connection needs it: what it may register, and when it expires. */
export interface Verified {
  scope: Scope;
  /** Epoch ms of its `exp`; undefined: no exp claim. */
  expiresAtMs: number | undefined;
}

/**
 * The shared secret as one CryptoKey per HMAC algorithm, imported on first
 * use: given the secret's bytes, jose would import them again for every
 * token (a WebCrypto key and its native handle per upgrade, all garbage).
 * jose checks the header's alg against SECRET_ALGORITHMS before asking.
 */
function secretKeys(secret: Uint8Array): (header: JWSHeaderParameters) => Promise<webcrypto.CryptoKey> {
  const keys = new Map<string, Promise<webcrypto.CryptoKey>>();
  return (header) => {
    const alg = header.alg ?? '';
    let key = keys.get(alg);
    if (key === undefined) {
      key = webcrypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: `SHA-${alg.slice(2)}` }, false, ['verify']);
      keys.set(alg, key);
    }
    return key;
  };
}

/**
 * Verifies bearer tokens with jose: signature (shared secret or the local
 * JWKS), exp/nbf (jose's checks, against the wall clock), optional iss/aud;
 * then the client-id claims become the connection's Scope. The key material is read once,
 * at start-up, so a bad file fails the start and not the first connection.
 */
export class TokenVerifier {
  /** jose's verify with the key bound (a secret and a key set take different overloads). */
  private readonly check: (token: string) => Promise<{ payload: JWTPayload }>;

  constructor(options: JwtOptions) {
    const claims: JWTVerifyOptions = {};
    if (options.jwtIssuer !== undefined) claims.issuer = options.jwtIssuer;
    if (options.jwtAudience !== undefined) claims.audience = options.jwtAudience;
    if (options.jwtSecret !== undefined) {
      const keys = secretKeys(new TextEncoder().encode(options.jwtSecret));
      this.check = (token) => jwtVerify(token, keys, { ...claims, algorithms: SECRET_ALGORITHMS });
    } else if (options.jwtJwksFile !== undefined) {
      const keys = createLocalJWKSet(readJwks(options.jwtJwksFile));
      this.check = (token) => jwtVerify(token, keys, claims);
    } else {
      throw new KeyMaterialError('--auth jwt needs --jwt-secret or --jwt-jwks');
    }
  }

  /** The token's scope and expiry; rejects with TokenRefused (never anything else). */
  async verify(token: string): Promise<Verified> {
    let payload: JWTPayload;
    try {
      ({ payload } = await this.check(token));
    } catch (error) {
      throw refusalOf(error);
    }
    const scope = scopeOfClaims(payload);
    if (scope === undefined) throw new TokenRefused('no_client_id', 'token names no client id (sub, client_ids or client_id_prefix)');
    return { scope, expiresAtMs: typeof payload.exp === 'number' ? payload.exp * 1000 : undefined };
  }
}

function refusalOf(error: unknown): TokenRefused {
  if (error instanceof errors.JWTExpired) return new TokenRefused('expired', 'token expired');
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
    return new TokenRefused('bad_signature', 'token signature does not verify');
  }
  if (error instanceof errors.JWTClaimValidationFailed) return new TokenRefused('invalid', `token claim '${error.claim}' rejected: ${error.reason}`);
  return new TokenRefused('invalid', 'malformed or unsupported token');
}

function readJwks(file: string): JSONWebKeySet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new KeyMaterialError(`--jwt-jwks ${file}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as { keys?: unknown }).keys)) {
    throw new KeyMaterialError(`--jwt-jwks ${file}: not a JSON Web Key Set ({"keys": [...]})`);
  }
  return parsed as JSONWebKeySet;
}
