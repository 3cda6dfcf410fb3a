/**
 * A full collection between scenarios (when node runs with --expose-gc), so
 * that one scenario's garbage does not land as a major GC pause in the next
 * one's measurements. A no-op otherwise.
 */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
}
