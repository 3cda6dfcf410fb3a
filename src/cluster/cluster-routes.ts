import type { AdminRoutes } from '../edge/admin-routes.js';
import { pyInteger, pyString } from '../protocol/py-json.js';
import { HttpReply } from '../transports/gateway/http-reply.js';
import type { Logger } from '../transports/gateway/logger.js';
import type { StatusPage } from '../transports/gateway/status-stream.js';
import type { ClusterNode } from './cluster-node.js';
import { readClusterPage, readClusterView } from './cluster-views.js';

/** Entries per written chunk, with a turn of the event loop between chunks. */
const CHUNK = 1000;

/** GET /cluster (an admin route): this fleet's nodes, leases, incarnations and client counts. */
export function addClusterRoutes(admin: AdminRoutes, node: ClusterNode, log: Logger): void {
  admin.get('/cluster', (res) => {
    const reply = new HttpReply(res);
    readClusterView(node.redis, node.options.leaseMs).then(
      (view) => reply.send('200 OK', 'application/json', JSON.stringify({ self: node.incarnation, ...view })),
      (error: Error) => {
        log.warn({ event: 'cluster_view_failed', err: error.message });
        reply.send('503 Service Unavailable', 'application/json', JSON.stringify({ error: `redis: ${error.message}` }));
      },
    );
  });
}

/**
 * GET /status?scope=cluster[&offset=O&limit=L]: every client of the fleet
 * with its owner node, paged, streamed in chunks.
 * Body: {"total": N, "offset": O, "count": C, "clients": [{"client_id", "node_id", "incarnation", "last_seen_ms_ago"}]}.
 */
export async function streamClusterStatus(node: ClusterNode, reply: HttpReply, page: StatusPage): Promise<void> {
  let result;
  try {
    result = await readClusterPage(node.redis, page.offset, page.limit);
  } catch (error) {
    reply.send('503 Service Unavailable', 'application/json', JSON.stringify({ error: `redis: ${(error as Error).message}` }));
    return;
  }
  const { total, clients } = result;
  reply.begin('200 OK', 'application/json');
  await reply.write(`{"total": ${total}, "offset": ${Math.min(page.offset, total)}, "count": ${clients.length}, "clients": [`);
  for (let i = 0; i < clients.length && reply.open; i += CHUNK) {
    const parts: string[] = [];
    for (const c of clients.slice(i, i + CHUNK)) {
      parts.push(
        `{"client_id": ${pyString(c.clientId)}, "node_id": ${pyString(c.nodeId)}, "incarnation": ${pyString(c.incarnation)}, "last_seen_ms_ago": ${pyInteger(c.lastSeenMsAgo)}}`,
      );
    }
    await reply.write((i > 0 ? ', ' : '') + parts.join(', '));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  reply.end(']}');
}
