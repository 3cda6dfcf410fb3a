/**
 * One Node timer per client, re-armed with `refresh()` on every heartbeat:
 * what a server does when it leans on the runtime's timers. Node keeps one
 * list per duration (lib/internal/timers.js), so arming and refreshing are
 * O(1); but every timer that fires runs its own callback on the main
 * thread, and 100k firing together run back to back in one go.
 */
export class NodeTimersMonitor {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  expired = 0;

  register(id: string, timeoutMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(id);
      this.expired++;
    }, timeoutMs + 1);
    this.timers.set(id, timer);
  }

  heartbeat(id: string): void {
    this.timers.get(id)?.refresh();
  }

  get size(): number {
    return this.timers.size;
  }

  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
