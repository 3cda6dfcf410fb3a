import { VirtualClock } from '../../src/monitor/clock.js';
import { KeepAliveMonitor } from '../../src/monitor/monitor.js';
import { KeepAliveService } from '../../src/protocol/keepalive-service.js';
import { MonitorClients } from '../../src/protocol/monitor-clients.js';
import { NodeSession } from '../../src/transports/node/node-session.js';
import { ReplyBytes } from '../../src/transports/node/reply-bytes.js';

/** A stdio node session in process (one shard, virtual clock); `output()`: its replies, then its diagnostics. */
export function newSession(): { session: NodeSession; output: () => string } {
  const replies = new ReplyBytes();
  const diagnostics: string[] = [];
  const service = new KeepAliveService<void>(new MonitorClients(new KeepAliveMonitor({ shards: 1 }), new VirtualClock()));
  const session = new NodeSession(service, { replies, diagnose: (text) => diagnostics.push(text) });
  return { session, output: () => (replies.take()?.toString('latin1') ?? '') + diagnostics.join('\n') };
}
