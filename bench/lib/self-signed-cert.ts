import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM files of a throw-away certificate, and the certificate's text (a client's `ca`: it is its own CA). */
export interface SelfSignedCert {
  dir: string;
  cert: string;
  key: string;
  pem: string;
}

/** A self-signed P-256 certificate for 127.0.0.1 and localhost, valid a day, made by openssl in a fresh temporary folder. */
export function makeSelfSignedCert(): SelfSignedCert {
  const dir = mkdtempSync(join(tmpdir(), 'keepwatch-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ], { stdio: 'ignore', timeout: 30_000 });
  return { dir, cert, key, pem: readFileSync(cert, 'utf8') };
}
