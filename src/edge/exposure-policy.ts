import { isLoopbackHost } from './peer-address.js';

export interface ExposureOptions {
  host: string;
  auth: 'none' | 'jwt';
  adminToken: string | undefined;
  adminHost: string;
  adminPort: number | undefined;
  insecure: boolean;
}

/**
 * What would be reachable from beyond this machine without a credential;
 * the gateway refuses to start with any of it unless --insecure says so.
 * Returns the first problem as a sentence for the usage error, or undefined.
 */
export function exposureProblem(options: ExposureOptions): string | undefined {
  if (options.insecure) return undefined;
  if (options.auth === 'none' && !isLoopbackHost(options.host)) {
    return `--host ${options.host} is not a loopback address: set --auth jwt, or pass --insecure to let anyone who can reach it register and move any client_id`;
  }
  if (options.adminPort !== undefined && options.adminToken === undefined && !isLoopbackHost(options.adminHost)) {
    return `--admin-host ${options.adminHost} is not a loopback address: set --admin-token, or pass --insecure to serve /status and /metrics to anyone who can reach it`;
  }
  return undefined;
}
