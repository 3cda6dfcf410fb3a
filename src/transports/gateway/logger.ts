import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON lines on stderr (stdout stays free). Synchronous writes:
 * the gateway logs lifecycle events and one line per expiry batch, never
 * per message, and nothing may be lost when it exits on a signal.
 */
export function createLogger(level: string): Logger {
  return pino({ name: 'keepwatch', level }, pino.destination({ fd: 2, sync: true }));
}

/**
 * Start-up and shutdown lines (the bound port, which uWS is in use) are
 * written at info even under --log-level warn or error: whoever started the
 * gateway with --port 0 needs the port. Only 'silent' silences them.
 */
export function lifecycleLogger(log: Logger): Logger {
  return log.level === 'silent' || log.isLevelEnabled('info') ? log : log.child({}, { level: 'info' });
}
