import { KeyMaterialError, TokenVerifier, type JwtOptions } from './auth/token-verifier.js';
import { checkTlsFiles, TlsFileError, type TlsOptions } from './tls.js';

/**
 * One of those errors met on an I/O thread (--threads N), told to the main
 * thread by message: the original's class does not cross threads.
 */
export class ThreadStartupConfigError extends Error {}

/** A file named by a flag that cannot be used (JWKS, TLS PEM): a usage problem (exit 2), not a listen failure. */
export function isStartupConfigError(error: unknown): error is Error {
  return error instanceof KeyMaterialError || error instanceof TlsFileError || error instanceof ThreadStartupConfigError;
}

/**
 * Reads the files the flags name (TLS PEM, JWKS) once on the main thread,
 * before any I/O thread starts: a bad file is then said in a moment, not
 * after N threads have loaded, and by the same error class as on one thread.
 */
export function checkStartupFiles(options: TlsOptions & JwtOptions & { auth: string }): void {
  checkTlsFiles(options);
  if (options.auth === 'jwt') new TokenVerifier(options);
}
