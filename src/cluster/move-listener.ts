import { Cluster, type Redis } from 'ioredis';
import type { Logger } from '../transports/gateway/logger.js';
import type { RedisTarget } from './cluster-options.js';
import { movesChannel } from './key-layout.js';
import { clusterMasters, createSubscriberConnection, within, type RedisClient, type ServerAddress } from './redis-connection.js';

/** One 'cluster_moves_connection_error' line per this many ms at most (a master down: ioredis retries every 2 s at most). */
const ERROR_LOG_EVERY_MS = 1000;

/**
 * This incarnation's moves channel: another gateway's claim of one of our
 * client_ids publishes "generation client_id" here from inside its script.
 *
 * Listened to on every master, one connection each (a subscribed connection
 * can issue nothing else). The claim script runs on its shard's master, and
 * Redis hands a PUBLISH to that server's own subscribers at once; the other
 * masters get it over the cluster bus, whose outbound links Redis 7.0 opens
 * without TCP_NODELAY, so a relayed notice could wait for the peer's delayed
 * ACK (40 ms on Linux): the takeover tail of 1-2 % when a gateway listened
 * on one node only. On every master, the publishing master's copy comes
 * first; the relayed copies are duplicates (a generation already acted on
 * changes nothing) and the fallback while one connection is down. A
 * standalone server is one connection.
 *
 * Layout and costs: a Map "host:port" (or URL) -> connection; a notice
 * arrives once per master; the map is matched to the cluster's masters after
 * each of the command client's slots refreshes, O(masters).
 */
export class MoveListener {
  private readonly connections = new Map<string, Redis>();
  private channel: string | undefined;
  private lastErrorLog = 0;
  private stopped = false;

  constructor(
    private readonly target: RedisTarget,
    /** The gateway's command client: on a cluster, its slots say which masters there are. */
    private readonly router: RedisClient,
    private readonly name: string,
    private readonly log: Logger,
    private readonly onMoved: (clientId: string, generation: number) => void,
  ) {
    if (router instanceof Cluster) router.on('refresh', () => this.matchServers());
  }

  /** Connects to every server and subscribes; resolves once one of them confirmed (the others relay to it meanwhile). */
  async start(incarnation: string, timeoutMs: number): Promise<void> {
    this.matchServers();
    await within(this.listen(incarnation), timeoutMs, 'moves channel not subscribed');
  }

  /** Listens on a new incarnation's channel (after a fence); the old one is dropped. Resolves once one server confirmed. */
  async listen(incarnation: string): Promise<void> {
    const old = this.channel;
    const channel = movesChannel(incarnation);
    this.channel = channel;
    const subscribed = [...this.connections.values()].map((conn) => conn.subscribe(channel));
    if (old !== undefined) {
      for (const conn of this.connections.values()) conn.unsubscribe(old).catch((error: Error) => this.connectionError(error));
    }
    await Promise.any(subscribed);
  }

  stop(): void {
    this.stopped = true;
    for (const conn of this.connections.values()) conn.disconnect();
    this.connections.clear();
  }

  /** One connection per current server: new masters get one (subscribed to the channel), departed ones lose theirs. */
  private matchServers(): void {
    if (this.stopped) return;
    const servers = this.target.kind === 'standalone' ? [this.target.url] : clusterMasters(this.router as Cluster);
    // An empty view (every node failed during a refresh) is no news about the masters: keep listening where we were.
    if (servers.length === 0) return;
    const wanted = new Map<string, string | ServerAddress>(servers.map((s) => [typeof s === 'string' ? s : `${s.host}:${s.port}`, s]));
    for (const [key, conn] of this.connections) {
      if (wanted.has(key)) continue;
      conn.disconnect();
      this.connections.delete(key);
    }
    for (const [key, server] of wanted) {
      if (!this.connections.has(key)) this.connections.set(key, this.connect(server));
    }
  }

  private connect(server: string | ServerAddress): Redis {
    const conn = createSubscriberConnection(server, this.name);
    conn.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const space = message.indexOf(' ');
      this.onMoved(message.slice(space + 1), Number(message.slice(0, space)));
    });
    conn.on('error', (error: Error) => this.connectionError(error));
    // A failed first connect is retried by ioredis like any reconnect; errors reach the listener above.
    conn.connect().catch(() => undefined);
    if (this.channel !== undefined) conn.subscribe(this.channel).catch((error: Error) => this.connectionError(error));
    return conn;
  }

  private connectionError(error: Error): void {
    const now = performance.now();
    if (now - this.lastErrorLog < ERROR_LOG_EVERY_MS) return;
    this.lastErrorLog = now;
    this.log.warn({ event: 'cluster_moves_connection_error', err: error.message });
  }
}
