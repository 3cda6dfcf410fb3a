/** Open connections per peer address (canonical text, peer-address.ts), for --max-connections-per-ip. */
export interface PeerConnections {
  /** Counts one more connection from `peer`; false (nothing counted) when it already has the maximum. */
  tryAcquire(peer: string): boolean;
  release(peer: string): void;
}

/**
 * Open connections per peer address on this thread (SharedPerIpConnections
 * counts over every I/O thread). A Map
 * from canonical address text to a count: O(1) per open and close, one
 * entry per address that has a connection open (removed at zero), so its
 * size follows the number of distinct peers, not of connections.
 */
export class PerIpConnections implements PeerConnections {
  private readonly counts = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Counts one more connection from `peer`; false (nothing counted) when it already has `max`. */
  tryAcquire(peer: string): boolean {
    const n = this.counts.get(peer) ?? 0;
    if (n >= this.max) return false;
    this.counts.set(peer, n + 1);
    return true;
  }

  release(peer: string): void {
    const n = this.counts.get(peer);
    if (n === undefined) return;
    if (n <= 1) this.counts.delete(peer);
    else this.counts.set(peer, n - 1);
  }
}
