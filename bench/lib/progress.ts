/** Progress goes to stderr so stdout stays the report (tables) and can be redirected alone. */
export function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
