/**
 * How a load run is laid out: which connections exist, which client_ids each
 * carries, which are silenced, and which child process holds them. Silenced
 * connections live in their own "victim" children because silencing is done
 * by SIGSTOP, which stops a whole process.
 */

/** One WebSocket connection: its global index and how many client_ids it carries (1 = single-client). */
export interface ConnectionSpec {
  index: number;
  clients: number;
}

export type ChildRole = 'live' | 'victim';

export interface ChildPlan {
  role: ChildRole;
  connections: ConnectionSpec[];
}

export interface LoadShape {
  /** Total connections (single-client and multiplexed). */
  connections: number;
  /** Of those, how many are multiplexed. */
  muxConnections: number;
  /** client_ids on each multiplexed connection. */
  idsPerMux: number;
  /** Fraction (0..1) of connections (of each kind) that are silenced with SIGSTOP. */
  silenceFraction: number;
  /** At most this many connections per child process (one process may hold 20,000 open files). */
  maxConnectionsPerChild: number;
  /** Victims are split over at least this many children, each silenced in its own round (repeated measurements). */
  victimGroups?: number;
}

/** The client_ids a connection carries: "c<i>" alone, or "m<i>-<j>" multiplexed. */
export function clientIdsOf(spec: ConnectionSpec): string[] {
  if (spec.clients === 1) return [`c${spec.index}`];
  return Array.from({ length: spec.clients }, (_, j) => `m${spec.index}-${j}`);
}

/** Picks round(n * fraction) of n items, spread evenly (not bunched at one end). */
function isPicked(j: number, fraction: number): boolean {
  return Math.floor((j + 1) * fraction) > Math.floor(j * fraction);
}

/** Deals connections round-robin into the fewest children (at least `minCount`) that respect the per-child cap. */
function deal(role: ChildRole, conns: ConnectionSpec[], cap: number, minCount = 1): ChildPlan[] {
  if (conns.length === 0) return [];
  const count = Math.min(conns.length, Math.max(minCount, Math.ceil(conns.length / cap)));
  const children: ChildPlan[] = Array.from({ length: count }, () => ({ role, connections: [] }));
  conns.forEach((c, i) => children[i % count].connections.push(c));
  return children;
}

export function planChildren(shape: LoadShape): ChildPlan[] {
  const singles = shape.connections - shape.muxConnections;
  if (singles < 0) throw new Error('muxConnections exceeds connections');
  const live: ConnectionSpec[] = [];
  const victims: ConnectionSpec[] = [];
  for (let i = 0; i < shape.connections; i++) {
    const isMux = i >= singles;
    const spec: ConnectionSpec = { index: i, clients: isMux ? shape.idsPerMux : 1 };
    const rank = isMux ? i - singles : i;
    (isPicked(rank, shape.silenceFraction) ? victims : live).push(spec);
  }
  return [...deal('live', live, shape.maxConnectionsPerChild), ...deal('victim', victims, shape.maxConnectionsPerChild, shape.victimGroups)];
}
