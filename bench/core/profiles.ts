/**
 * Traffic profiles shared by every benchmark (`--profile uniform|tiers|realistic`).
 * A profile says, per client, its timeout, how often it heartbeats, and in
 * which order clients register and heartbeat; the scenarios and the node's
 * input generator read only this file's `Population`.
 *
 *   uniform    every client 30 s, heartbeat every 10 s; registration in id
 *              order, heartbeats in one shuffled order repeated each period
 *              (the benchmarks' traffic before profiles existed).
 *   tiers      four timeouts, 10, 30, 60, 120 s, one picked at random per
 *              client; heartbeat every timeout/3, random phase (so random
 *              order); registration in id order.
 *   realistic  a timeout per client, uniform over 5 s..300 s in whole ms
 *              (about 85,000 distinct values at 100,000 clients); its own
 *              heartbeat period, timeout/3 +-20%; random phase; random
 *              registration order; every id handed to a monitor is a fresh
 *              string from JSON.parse, as a server decoding frames has them.
 */
import { permutation, randomUnit } from './client-ids.js';

export const PROFILE_NAMES = ['uniform', 'tiers', 'realistic'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export const PROFILE_SUMMARIES: Record<ProfileName, string> = {
  uniform: 'one 30 s timeout, heartbeats every 10 s in a fixed shuffled order, ids reused',
  tiers: 'timeouts 10/30/60/120 s, heartbeats every timeout/3 in random order, fresh ids',
  realistic: 'a timeout per client 5-300 s, its own heartbeat period, random registration and heartbeat order, fresh ids',
};

/** Reads a `--profile` value: one profile, or all of them when absent or `all`. */
export function parseProfiles(value: string | undefined): readonly ProfileName[] {
  if (value === undefined || value === 'all') return PROFILE_NAMES;
  if ((PROFILE_NAMES as readonly string[]).includes(value)) return [value as ProfileName];
  throw new Error(`--profile must be one of ${PROFILE_NAMES.join(', ')} or all; got '${value}'`);
}

export const ID_PREFIX = 'client-';
const TIERS_MS = [10_000, 30_000, 60_000, 120_000] as const;
const UNIFORM_TIMEOUT_MS = 30_000;
const REALISTIC_MIN_MS = 5_000;
const REALISTIC_MAX_MS = 300_000;

/**
 * n clients of one profile, client i named `client-<i>`. Parallel typed
 * arrays indexed by client number (no object per client): 16 B per client
 * plus the ids when they are kept.
 */
export interface Population {
  readonly profile: ProfileName;
  readonly n: number;
  readonly timeoutMs: Uint32Array;
  /** How often the client heartbeats (below its timeout: a client that keeps to it never expires). */
  readonly periodMs: Uint32Array;
  /** Position of the client's first heartbeat within its period, in [0, 1). */
  readonly phase: Float64Array;
  /** Clients in the order they register when they all register at one instant. */
  readonly registrationOrder: Uint32Array;
  /** Whether ids handed to a monitor are fresh strings (true) or one array reused (uniform). */
  readonly freshIds: boolean;
  readonly maxTimeoutMs: number;
  readonly minTimeoutMs: number;
}

export function makePopulation(profile: ProfileName, n: number, seed = 0x5eed): Population {
  const random = randomUnit(seed);
  const timeoutMs = new Uint32Array(n);
  const periodMs = new Uint32Array(n);
  const phase = new Float64Array(n);
  let registrationOrder: Uint32Array = Uint32Array.from({ length: n }, (_, i) => i);
  if (profile === 'uniform') {
    // Today's order: one shuffled order, each client's turn at its position in it.
    const order = permutation(n);
    timeoutMs.fill(UNIFORM_TIMEOUT_MS);
    periodMs.fill(UNIFORM_TIMEOUT_MS / 3);
    for (let k = 0; k < n; k++) phase[order[k]] = k / n;
  } else if (profile === 'tiers') {
    for (let i = 0; i < n; i++) {
      timeoutMs[i] = TIERS_MS[Math.floor(random() * TIERS_MS.length)];
      periodMs[i] = Math.floor(timeoutMs[i] / 3);
      phase[i] = random();
    }
  } else {
    for (let i = 0; i < n; i++) {
      timeoutMs[i] = REALISTIC_MIN_MS + Math.floor(random() * (REALISTIC_MAX_MS - REALISTIC_MIN_MS + 1));
      periodMs[i] = Math.floor((timeoutMs[i] / 3) * (0.8 + 0.4 * random()));
      phase[i] = random();
    }
    registrationOrder = permutation(n, seed ^ 0x51ed);
  }
  let maxTimeoutMs = 0;
  let minTimeoutMs = Infinity;
  for (let i = 0; i < n; i++) {
    maxTimeoutMs = Math.max(maxTimeoutMs, timeoutMs[i]);
    minTimeoutMs = Math.min(minTimeoutMs, timeoutMs[i]);
  }
  return { profile, n, timeoutMs, periodMs, phase, registrationOrder, freshIds: profile !== 'uniform', maxTimeoutMs, minTimeoutMs };
}

export const idOf = (i: number): string => `${ID_PREFIX}${i}`;

/** The client number of an id this module made. */
export const indexOfId = (id: string): number => Number(id.slice(ID_PREFIX.length));

/**
 * Hands out ids for the clients numbered in `indices[from..to)`: for fresh-id
 * profiles, new strings from one JSON.parse of the batch (as a server's
 * decoder produces them; the parse is the caller's untimed setup); else
 * the shared array, as the benchmarks did before profiles.
 */
export class IdSource {
  private readonly reused: readonly string[] | undefined;

  constructor(private readonly population: Population) {
    this.reused = population.freshIds ? undefined : Array.from({ length: population.n }, (_, i) => idOf(i));
  }

  batch(indices: ArrayLike<number>, from = 0, to = indices.length): readonly string[] {
    const reused = this.reused;
    if (reused) {
      const out = new Array<string>(to - from);
      for (let k = from; k < to; k++) out[k - from] = reused[indices[k]];
      return out;
    }
    const parts = new Array<string>(to - from);
    for (let k = from; k < to; k++) parts[k - from] = `"${ID_PREFIX}${indices[k]}"`;
    return JSON.parse(`[${parts.join(',')}]`) as string[];
  }
}

/**
 * The harmonic mean of the timeouts: in a steady state where every client
 * re-registers when it expires, n / harmonicMean clients expire per ms, so a
 * sweep every harmonicMean/100 ms finds about 1% due.
 */
export function harmonicMeanTimeout(population: Population): number {
  let sum = 0;
  for (let i = 0; i < population.n; i++) sum += 1 / population.timeoutMs[i];
  return population.n / sum;
}

/**
 * The stdio node's input per profile (bench/node/input-file.ts): `clients`
 * registrations, then `heartbeats` heartbeats in `checks` phases, each
 * phase closed by a ka_check `checkEveryMs` later, then a ka_status.
 *   uniform    the original input: default 30 s clients heartbeating
 *              round-robin, plus 1% per check registered to expire at it;
 *              every line from src "c0", every request with a msg_id.
 *   tiers      each client a tier timeout (10/30/60/120 s, ping at
 *              timeout/3), heartbeats to uniformly random clients.
 *   realistic  registration order shuffled; 60% of clients with their own
 *              timeout (20-200 s) and ping interval (1 ms-10 s), the rest
 *              the defaults; heartbeats to uniformly random clients, 2.5%
 *              of them for ids never registered (plus whichever clients
 *              expired on their own), 2% without msg_id; each line's
 *              `src` its client's id.
 */
export interface NodeInputMix {
  checkEveryMs: number;
  /** Share of clients registered with their own timeout_ms and ping_interval_ms (the rest: the defaults). */
  ownSettingsShare: number;
  ownTimeoutMs: readonly [number, number];
  ownPingIntervalMs: readonly [number, number];
  unknownHeartbeatShare: number;
  noMsgIdShare: number;
  srcIsClient: boolean;
}

export const NODE_PROFILE_SUMMARIES: Record<ProfileName, string> = {
  uniform: 'default 30 s clients heartbeating round-robin, 1% per check set to expire at it, src "c0", every request answered',
  tiers: 'timeouts 10/30/60/120 s, heartbeats to uniformly random clients, src per client',
  realistic: 'shuffled registration, 60% own timeout 20-200 s and ping 1 ms-10 s, random heartbeats, 2.5% unknown ids, 2% without msg_id, src per client',
};

export const NODE_INPUT_MIX: Record<Exclude<ProfileName, 'uniform'>, NodeInputMix> = {
  tiers: { checkEveryMs: 1_000, ownSettingsShare: 1, ownTimeoutMs: [10_000, 120_000], ownPingIntervalMs: [3_333, 40_000], unknownHeartbeatShare: 0, noMsgIdShare: 0, srcIsClient: true },
  realistic: { checkEveryMs: 2_000, ownSettingsShare: 0.6, ownTimeoutMs: [20_000, 200_000], ownPingIntervalMs: [1, 10_000], unknownHeartbeatShare: 0.025, noMsgIdShare: 0.02, srcIsClient: true },
};
