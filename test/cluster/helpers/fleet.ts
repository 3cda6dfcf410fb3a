import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { CLUSTER_SHARDS, NODE_KEYS, shardKeys } from '../../../src/cluster/key-layout.js';
import { startGateway, type GatewayProcess } from '../../gateway/helpers/gateway-process.js';
import { sleep } from '../../gateway/helpers/ws-client.js';
import { startRedis, startRedisCluster, type RedisCluster, type RedisServer } from '../../helpers/redis-servers.js';

export interface ClusterEvent {
  /** Stream entry id: "<Redis ms>-<seq>". */
  id: string;
  ms: number;
  type: string;
  client_id: string;
  from?: string;
  to?: string;
}

/** The reaps of `incarnation`'s clients among `events`. */
export const reapsOf = (events: ClusterEvent[], incarnation: string): ClusterEvent[] =>
  events.filter((e) => e.type === 'reap' && e.from === incarnation);

/** Polls `probe` every 50 ms until it gives a value; throws once `timeoutMs` has passed. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * A fleet for one test file: its own Redis (standalone or a 3-master
 * Redis Cluster) and gateways started with --redis / --redis-cluster.
 * `inspect` is a plain client for the test's own reads of Redis.
 */
export class Fleet {
  readonly gateways: GatewayProcess[] = [];

  private constructor(
    readonly redisArgs: string[],
    readonly inspect: Redis | Cluster,
    readonly standalone: RedisServer | undefined,
    readonly cluster: RedisCluster | undefined,
  ) {}

  static async start(kind: 'standalone' | 'cluster'): Promise<Fleet> {
    if (kind === 'standalone') {
      const server = await startRedis();
      return new Fleet(['--redis', `redis://127.0.0.1:${server.port}`], new Redis(server.port, '127.0.0.1'), server, undefined);
    }
    const cluster = await startRedisCluster();
    const inspect = new Cluster(cluster.masters.map((m) => ({ host: '127.0.0.1', port: m.port })));
    return new Fleet(['--redis-cluster', cluster.seeds], inspect, undefined, cluster);
  }

  async gateway(nodeId: string, extra: string[] = []): Promise<GatewayProcess> {
    const gw = await startGateway({ args: [...this.redisArgs, '--node-id', nodeId, ...extra] });
    this.gateways.push(gw);
    return gw;
  }

  /** The incarnation a gateway serves under now (GET /cluster's self). */
  async incarnationOf(gw: GatewayProcess): Promise<string> {
    return (JSON.parse((await gw.get('/cluster')).text) as { self: string }).self;
  }

  /** Every owner record: client_id -> incarnation. */
  async owners(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let s = 0; s < CLUSTER_SHARDS; s++) {
      const all = await this.inspect.hgetall(shardKeys(s).owner);
      for (const [id, value] of Object.entries(all)) out.set(id, value.split(' ')[0]);
    }
    return out;
  }

  /** Every event of every shard's stream, in Redis time order. */
  async events(): Promise<ClusterEvent[]> {
    const out: ClusterEvent[] = [];
    for (let s = 0; s < CLUSTER_SHARDS; s++) {
      const entries = await this.inspect.xrange(shardKeys(s).events, '-', '+');
      for (const [id, fields] of entries) {
        const e: { [k: string]: string } = {};
        for (let i = 0; i < fields.length; i += 2) e[fields[i]] = fields[i + 1];
        out.push({ id, ms: Number(id.split('-')[0]), type: e.type, client_id: e.client_id, from: e.from, to: e.to });
      }
    }
    return out.sort((a, b) => a.ms - b.ms);
  }

  /** Subscribers to `channel` on each of the fleet's Redis servers (each counts its own connections), in `masters` order. */
  subscribersPerServer(channel: string): number[] {
    const servers = this.cluster?.masters ?? (this.standalone === undefined ? [] : [this.standalone]);
    // redis-cli prints "channel\ncount".
    return servers.map((server) => Number(server.cli('pubsub', 'numsub', channel).split('\n').pop()));
  }

  /** Lease holders (live incarnations) and fenced ones. */
  async nodes(): Promise<{ live: string[]; fenced: Set<string> }> {
    const live = await this.inspect.zrange(NODE_KEYS.leases, '0', '-1');
    const fenced = new Set(await this.inspect.smembers(NODE_KEYS.fenced));
    return { live, fenced };
  }

  /**
   * The cluster invariant, polled until it holds (claims and releases are
   * batched, so it may take a moment to settle) or the bound passes:
   * every owner in Redis is a live, unfenced incarnation of a running
   * gateway that holds the client's socket, and every client a running
   * gateway holds has its record under that gateway's incarnation.
   */
  async checkInvariant(running: GatewayProcess[], timeoutMs = 5000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let problem: string | undefined;
    for (;;) {
      problem = await this.invariantProblem(running);
      if (problem === undefined) return;
      if (performance.now() > deadline) throw new Error(`cluster invariant broken: ${problem}`);
      await sleep(100);
    }
  }

  private async invariantProblem(running: GatewayProcess[]): Promise<string | undefined> {
    const { live, fenced } = await this.nodes();
    const held = new Map<string, Set<string>>();
    for (const gw of running) {
      const inc = await this.incarnationOf(gw);
      if (!live.includes(inc)) return `running gateway ${inc} holds no lease`;
      if (fenced.has(inc)) return `running gateway ${inc} is fenced`;
      const status = JSON.parse((await gw.get('/status')).text) as { connections: { client_id: string }[] };
      held.set(inc, new Set(status.connections.map((c) => c.client_id)));
    }
    const owners = await this.owners();
    for (const [id, inc] of owners) {
      if (fenced.has(inc)) return `${id} owned by fenced ${inc}`;
      const sockets = held.get(inc);
      if (sockets === undefined) return `${id} owned by ${inc}, not a running gateway`;
      if (!sockets.has(id)) return `${id} owned by ${inc}, which holds no socket for it`;
    }
    for (const [inc, ids] of held) {
      for (const id of ids) if (owners.get(id) !== inc) return `${inc} holds ${id}, Redis says ${owners.get(id) ?? 'nobody'}`;
    }
    return undefined;
  }

  async stop(): Promise<void> {
    for (const gw of this.gateways) {
      if (gw.child.exitCode === null && gw.child.signalCode === null) {
        gw.child.kill('SIGCONT');
        await gw.stop().catch(() => undefined);
      }
    }
    this.inspect.disconnect();
    await this.standalone?.stop();
    await this.cluster?.stop();
  }
}

/**
 * A fleet for a describe block: Redis of this kind and three gateways
 * (gw-a, gw-b, gw-c, each started with `gatewayArgs`), started before its
 * tests and stopped after; `onStarted` hands them to the block.
 */
export function useFleet(
  kind: 'standalone' | 'cluster',
  onStarted: (fleet: Fleet, gateways: GatewayProcess[]) => void,
  startTimeoutMs = 120_000,
  gatewayArgs: string[] = [],
): void {
  let fleet: Fleet | undefined;
  beforeAll(async () => {
    const started = await Fleet.start(kind);
    fleet = started;
    onStarted(started, await Promise.all(['gw-a', 'gw-b', 'gw-c'].map((name) => started.gateway(name, gatewayArgs))));
  }, startTimeoutMs);
  afterAll(async () => {
    await fleet?.stop();
  }, 30_000);
}
