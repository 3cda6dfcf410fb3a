import { readFileSync } from 'node:fs';
import type { TemplatedApp } from 'uWebSockets.js';
import type { Uws } from '../transports/gateway/native-uws.js';

export interface TlsOptions {
  tlsCert: string | undefined;
  tlsKey: string | undefined;
}

/** A TLS file that cannot be used; said at start-up (exit 2), before anything listens. */
export class TlsFileError extends Error {}

/**
 * The gateway's uWS app: SSLApp (wss://, https://) when --tls-cert and
 * --tls-key are given, App otherwise. uSockets reads the PEM files itself
 * and, given a bad one, only fails later at listen with no reason; so the
 * files are checked here first and a problem names the file.
 */
export function createApp(uws: Uws, options: TlsOptions): TemplatedApp {
  if (options.tlsCert === undefined || options.tlsKey === undefined) return uws.App();
  checkTlsFiles(options);
  return uws.SSLApp({ cert_file_name: options.tlsCert, key_file_name: options.tlsKey });
}

/** Throws TlsFileError, naming the file, when --tls-cert or --tls-key cannot be used. */
export function checkTlsFiles(options: TlsOptions): void {
  if (options.tlsCert !== undefined) checkPem(options.tlsCert, '--tls-cert', /-----BEGIN CERTIFICATE-----/);
  if (options.tlsKey !== undefined) checkPem(options.tlsKey, '--tls-key', /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/);
}

function checkPem(file: string, flag: string, marker: RegExp): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new TlsFileError(`${flag} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (!marker.test(text)) throw new TlsFileError(`${flag} ${file}: no PEM ${flag === '--tls-cert' ? 'certificate' : 'private key'} in it`);
}
