import { KeyMaterialError } from './auth/token-verifier.js';
import { TlsFileError } from './tls.js';

/** A file named by a flag that cannot be used (JWKS, TLS PEM): a usage problem (exit 2), not a listen failure. */
export function isStartupConfigError(error: unknown): error is Error {
  return error instanceof KeyMaterialError || error instanceof TlsFileError;
}
