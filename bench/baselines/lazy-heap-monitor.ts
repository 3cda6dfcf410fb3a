/**
 * A plain binary min-heap of clients keyed by deadline, re-keyed lazily: a
 * heartbeat only stores last_seen; when a client's filed deadline comes due,
 * the sweep re-files it at its true deadline (last_seen + timeout) unless
 * that has passed too. The textbook alternative to keepwatch's core, written
 * without reading src/ (it shares no code with it).
 *
 * Layout: a Map id -> client object, and an array of the same objects in
 * heap order, each object holding its filed deadline and its heap index.
 * Costs (n live clients, any mix of timeouts and heartbeat orders):
 *   register      O(log n) (push; re-registering a live id re-keys it)
 *   heartbeat     one Map lookup + one store
 *   sweep         O(1) when the top is not due; otherwise O(log n) per
 *                 client popped, whether it expires or is re-filed
 *                 (a client is re-filed at most once per timeout period).
 * Expiries come out in deadline order (ties in no fixed order).
 */
interface HeapClient {
  readonly id: string;
  lastSeen: number;
  timeoutMs: number;
  /** The deadline this client is filed under in the heap (<= its true deadline). */
  filed: number;
  /** Index in the heap array, -1 once removed. */
  at: number;
}

export class LazyHeapMonitor {
  private readonly clients = new Map<string, HeapClient>();
  private readonly heap: HeapClient[] = [];
  /** The last sweep's expired ids (reused by the next sweep). */
  readonly expired: string[] = [];

  get size(): number {
    return this.clients.size;
  }

  register(id: string, timeoutMs: number, now: number): void {
    const known = this.clients.get(id);
    if (known) {
      known.lastSeen = now;
      known.timeoutMs = timeoutMs;
      // A shorter timeout can move the deadline before the filed one: re-file now.
      if (now + timeoutMs < known.filed) {
        known.filed = now + timeoutMs;
        this.siftUp(known.at);
      }
      return;
    }
    const client: HeapClient = { id, lastSeen: now, timeoutMs, filed: now + timeoutMs, at: this.heap.length };
    this.clients.set(id, client);
    this.heap.push(client);
    this.siftUp(client.at);
  }

  heartbeat(id: string, now: number): boolean {
    const client = this.clients.get(id);
    if (client === undefined) return false;
    client.lastSeen = now;
    return true;
  }

  /** Expires every client silent for more than its timeout (now - last_seen > timeout); returns how many. */
  sweep(now: number): number {
    const expired = this.expired;
    expired.length = 0;
    const heap = this.heap;
    while (heap.length > 0 && heap[0].filed < now) {
      const top = heap[0];
      const deadline = top.lastSeen + top.timeoutMs;
      if (deadline < now) {
        expired.push(top.id);
        this.clients.delete(top.id);
        this.removeTop();
      } else {
        top.filed = deadline;
        this.siftDown(0);
      }
    }
    return expired.length;
  }

  private removeTop(): void {
    const heap = this.heap;
    heap[0].at = -1;
    const last = heap.pop() as HeapClient;
    if (heap.length === 0) return;
    heap[0] = last;
    last.at = 0;
    this.siftDown(0);
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    const item = heap[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].filed <= item.filed) break;
      heap[i] = heap[parent];
      heap[i].at = i;
      i = parent;
    }
    heap[i] = item;
    item.at = i;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[i];
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && heap[child + 1].filed < heap[child].filed) child++;
      if (heap[child].filed >= item.filed) break;
      heap[i] = heap[child];
      heap[i].at = i;
      i = child;
    }
    heap[i] = item;
    item.at = i;
  }
}
