import { readFileSync } from 'node:fs';

/**
 * Descriptors kept free below the open-file limit when --max-connections is
 * derived from it: the listening sockets, /healthz and /metrics requests,
 * 503 answers to refused upgrades, Redis, worker threads, logs. At least
 * this many, or a tenth of the limit if that is more.
 */
const MIN_HEADROOM = 64;

/**
 * The process's open-file limit (RLIMIT_NOFILE, soft; Node raises it to
 * the hard limit at start-up), from /proc/self/limits; undefined where
 * that file does not exist (not Linux) or says "unlimited".
 */
export function openFileLimit(limitsText = readLimits()): number | undefined {
  const line = limitsText?.split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line === undefined ? undefined : /^Max open files\s+(\d+)/.exec(line)?.[1];
  return soft === undefined ? undefined : Number(soft);
}

/**
 * WebSocket connections allowed by default: the file limit less its
 * headroom (at least 1), so that uWS never accepts at the limit itself;
 * at the limit its accept fails with EMFILE on every loop iteration
 * without backing off (the classic busy loop). Without a known limit: 1,000,000.
 */
export function defaultMaxConnections(limit = openFileLimit()): number {
  if (limit === undefined) return 1_000_000;
  return Math.max(1, limit - Math.max(MIN_HEADROOM, Math.ceil(limit / 10)));
}

function readLimits(): string | undefined {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
}
