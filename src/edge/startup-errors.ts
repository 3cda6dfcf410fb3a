import { KeyMaterialError } from './auth/token-verifier.js';
import { TlsFileError } from './tls.js';

/**
 * One of those errors met on an I/O thread (--threads N), told to the main
 * thread by message: the original's class does not cross threads.
 */
export class ThreadStartupConfigError extends Error {}

/** A file named by a flag that cannot be used (JWKS, TLS PEM): a usage problem (exit 2), not a listen failure. */
export function isStartupConfigError(error: unknown): error is Error {
  return error instanceof KeyMaterialError || error instanceof TlsFileError || error instanceof ThreadStartupConfigError;
}
