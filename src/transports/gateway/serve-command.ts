import { createLogger, lifecycleLogger } from './logger.js';
import { loadUws } from './native-uws.js';
import { parseServeArgs, ServeUsageError } from './serve-args.js';
import { SERVE_USAGE } from './serve-usage.js';
import { startGateway } from './server.js';
import { onShutdownSignal } from './shutdown.js';
import { startThreadedGateway } from './threads/threaded-gateway.js';
import { checkStartupFiles, isStartupConfigError } from '../../edge/startup-errors.js';
import { ListenError } from '../../edge/listen.js';

/** `keepwatch serve`: parse flags, refuse the JS fallback unless allowed, serve until a signal. */
export async function serveCommand(args: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseServeArgs(args, process.env);
  } catch (error) {
    if (!(error instanceof ServeUsageError)) throw error;
    process.stderr.write(`keepwatch serve: ${error.message}\n\n${SERVE_USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (parsed.help) {
    process.stdout.write(SERVE_USAGE);
    return;
  }
  let options = parsed.options;
  const log = createLogger(options.logLevel);
  const lifecycle = lifecycleLogger(log);
  const loaded = loadUws();
  const uws = loaded.native ? 'native' : 'js-fallback';
  if (!loaded.native && !options.allowJsFallback) {
    log.fatal({ event: 'refused', uws }, `${loaded.report}; refused (--allow-js-fallback serves on the slow pure-JS server)`);
    process.exitCode = 3;
    return;
  }
  // One line saying which build serves: the first thing to check when a machine behaves unlike another.
  lifecycle.info({ event: 'uws', uws }, loaded.report);
  // The pure-JS fallback cannot share a port between threads (no SO_REUSEPORT): it serves on this one.
  if (!loaded.native && options.threads > 1) {
    log.warn({ event: 'threads_unavailable', uws, threads: options.threads }, 'the pure-JS uWS fallback serves on one thread only');
    options = { ...options, threads: 1 };
  }
  // Bad files named by flags are said at once, before any thread or socket exists.
  try {
    checkStartupFiles(options);
  } catch (error) {
    if (!isStartupConfigError(error)) throw error;
    lifecycle.fatal({ event: 'config_error', err: error.message });
    process.exitCode = 2;
    return;
  }
  // Signals are handled before the port is announced: a test (or an
  // orchestrator) may send SIGTERM as soon as it reads the listening line.
  const starting = options.threads > 1 ? startThreadedGateway(options, loaded, log) : startGateway(options, loaded, log);
  onShutdownSignal(async (signal) => {
    lifecycle.info({ event: 'shutdown', signal, timeoutMs: options.shutdownTimeoutMs });
    // The bound: whatever still holds the loop (peers slow to answer the close) is cut off.
    setTimeout(() => process.exit(0), options.shutdownTimeoutMs).unref();
    const gateway = await starting;
    await gateway.stop();
    // What is left holds no client: idle HTTP keep-alives (a metrics scraper) and
    // WebSockets half-closed after their 1001. Closed now, or they hold the loop until the bound.
    if ('closeApp' in gateway) gateway.closeApp();
    lifecycle.info({ event: 'stopped' });
  });
  let gateway;
  try {
    gateway = await starting;
  } catch (error) {
    if (isStartupConfigError(error)) {
      lifecycle.fatal({ event: 'config_error', err: error.message });
      process.exit(2);
    }
    const reason = error instanceof ListenError ? { host: error.host, port: error.port, reason: error.reason } : { host: options.host, port: options.port };
    lifecycle.fatal({ event: 'listen_failed', ...reason, err: (error as Error).message }, (error as Error).message);
    process.exit(4);
  }
  lifecycle.info(
    {
      event: 'listening',
      uws,
      host: options.host,
      port: gateway.port,
      adminPort: gateway.adminPort,
      shards: options.shards,
      workers: options.workers,
      threads: options.threads,
      maxConnections: options.maxConnections,
      testHooks: options.testHooks,
    },
    `keepwatch serve on ${options.tlsCert === undefined ? 'ws' : 'wss'}://${options.host}:${gateway.port}/ws (uWS ${uws})`,
  );
}
