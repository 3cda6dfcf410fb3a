/**
 * A load child process: holds its share of the connections, registers their
 * client_ids, heartbeats, answers pings, bursts heartbeats on command, and
 * (when it is a victim) hands its sockets to the coordinator before being
 * stopped with SIGSTOP. Driven only by IPC from the coordinator; exits when
 * the coordinator goes away.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { HeartbeatWheel } from './heartbeat-wheel.js';
import { LoadConnection, type ChildCounters } from './load-connection.js';
import type { ChildSetup, ConnectResult, FromChild, FrozenActivity, ToChild } from './ipc-messages.js';

const counters: ChildCounters = { burstReplies: 0, badReplies: 0, framesSent: 0, pingsReceived: 0, kaPingsReceived: 0, latePings: 0 };
let setup: ChildSetup | null = null;
let connections: LoadConnection[] = [];
const wheel = new HeartbeatWheel();
/** This child's own event-loop delay: a starved load tool answers pings late, and its clients look silent to the server. */
const loopDelay = monitorEventLoopDelay({ resolution: 20 });
loopDelay.enable();

function send(msg: FromChild, handle?: import('node:net').Socket): void {
  if (handle === undefined) process.send?.(msg);
  else process.send?.(msg, handle, { keepOpen: true });
}

async function connectAll(s: ChildSetup): Promise<ConnectResult> {
  connections = s.plan.connections.map((spec) => new LoadConnection(spec, counters));
  wheel.setInterval(s.heartbeatIntervalMs);
  const result: ConnectResult = { opened: 0, failed: 0, registered: 0, firstError: null };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < connections.length) {
      const conn = connections[next++];
      const err = await conn.open(s.url, s.timeoutMs, s.pingIntervalMs, s.edge);
      if (err === null) {
        wheel.add(conn);
        result.opened++;
        result.registered += conn.ids.length;
      } else {
        result.failed++;
        result.firstError ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, s.connectConcurrency) }, worker));
  return result;
}

/** Stops every write, then passes each socket to the coordinator (which watches for the server's close) and reports last activity. */
function freeze(): void {
  wheel.stop();
  for (const c of connections) c.freeze();
  const activity: FrozenActivity = {
    connectionLastWriteNs: {},
    clientLastNamedNs: {},
    closedBeforeSilence: [],
    lossesBeforeSilence: connections.flatMap((c) => c.losses),
  };
  for (const c of connections) {
    if (c.closed || c.socket === null || c.socket.destroyed || c.tcp === null) {
      activity.closedBeforeSilence.push(c.spec.index);
      continue;
    }
    activity.connectionLastWriteNs[c.spec.index] = c.lastWriteNs;
    if (c.isMux) c.ids.forEach((id, j) => (activity.clientLastNamedNs[id] = c.lastNamedNs[j]));
    send({ t: 'socket', connection: c.spec.index }, c.tcp);
  }
  send({ t: 'frozen', activity });
}

async function handle(msg: ToChild): Promise<void> {
  switch (msg.t) {
    case 'setup':
      setup = msg.setup;
      send({ t: 'ack' });
      return;
    case 'connect':
      if (setup === null) throw new Error('connect before setup');
      send({ t: 'connected', result: await connectAll(setup) });
      // Connecting keeps the loop busy by design: the delay that matters is the one while the clients live.
      loopDelay.reset();
      return;
    case 'heartbeat-rate':
      wheel.setInterval(msg.intervalMs);
      send({ t: 'ack' });
      return;
    case 'burst-start':
      connections.slice(0, msg.connections).forEach((c) => c.startBurst(msg.window));
      send({ t: 'ack' });
      return;
    case 'burst-stop':
      for (const c of connections) c.stopBurst();
      send({ t: 'ack' });
      return;
    case 'counts':
      send({ t: 'counts', counts: { ...counters } });
      return;
    case 'freeze':
      freeze();
      return;
    case 'report':
      send({ t: 'report', report: { counts: { ...counters }, losses: connections.flatMap((c) => c.losses), loopDelayMaxMs: loopDelay.max / 1e6 } });
      return;
  }
}

process.on('message', (msg: ToChild) => {
  handle(msg).catch((err: unknown) => {
    process.stderr.write(`load child ${process.pid}: ${String(err)}\n`);
    process.exit(1);
  });
});
process.on('disconnect', () => process.exit(0));
send({ t: 'ready' });
