/**
 * SIGTERM/SIGINT run `stop` once; a second signal exits at once. The
 * process then exits 0 on its own when nothing holds the event loop.
 */
export function onShutdownSignal(stop: (signal: NodeJS.Signals) => Promise<void>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(0);
    stopping = true;
    stop(signal).catch((error: unknown) => {
      process.stderr.write(`keepwatch serve: shutdown failed: ${String(error)}\n`);
      process.exit(1);
    });
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}
