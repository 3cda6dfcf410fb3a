import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { isStartupConfigError } from '../../../edge/startup-errors.js';
import { CloseReason } from '../close-codes.js';
import { createLogger, lifecycleLogger } from '../logger.js';
import { loadUws, type LoadedUws } from '../native-uws.js';
import { startGateway, type Gateway } from '../server.js';
import { DEFAULT_CLIENT_QUERY } from '../../../dashboard/client-query.js';
import { ClaimRelay } from './claim-relay.js';
import { SupervisorLink } from './supervisor-link.js';
import { SharedPerIpConnections } from '../../../edge/limits/shared-per-ip-connections.js';
import { ProcessCounter, ProcessCounters } from './process-counters.js';
import { ThreadStatusCursors } from './thread-status-cursors.js';
import { testClaimsDelayMs } from '../test-hooks.js';
import type { CollectArgs, IoThreadData, ReportKind, MainToThread, ThreadReports, ThreadToMain } from './thread-messages.js';

/**
 * One I/O thread: the same per-thread gateway as --threads 1 (server.ts),
 * listening on the shared port. Its sockets, frames, heartbeats, pings and
 * expiries never leave it; it talks to the supervisor only to answer and
 * ask for the whole process's /healthz, /status, /metrics and dashboard,
 * to stop, and to say it failed.
 *
 * Started without a thread number, it is the supervisor's warm spare: its
 * modules and uWS are loaded (the slow part of a start on a busy machine)
 * and nothing listens until 'activate' names the thread it replaces.
 */
/** The I/O thread that opens the --admin-port listener (and its replacement after a failure). */
const ADMIN_THREAD = 0;
/** After the 1001 closes, this long for peers to answer before the app is closed under them. */
const CLOSE_ANSWER_MS = 100;

function main(port: MessagePort, data: IoThreadData): void {
  const loaded = loadUws();
  // One listener for the thread's whole life; what it does changes as the thread starts.
  let handle: (message: MainToThread) => void;
  port.on('message', (message: MainToThread) => handle(message));
  const begin = (thread: number): void => {
    const early: MainToThread[] = [];
    handle = (message) => early.push(message);
    void runIoThread(port, data, thread, loaded).then((serve) => {
      handle = serve;
      for (const message of early) serve(message);
    });
  };
  if (data.thread !== undefined) {
    begin(data.thread);
    return;
  }
  handle = (message) => {
    if (message.kind === 'activate') begin(message.thread);
    else if (message.kind === 'stop') port.close();
  };
  port.postMessage({ kind: 'spare_ready' } satisfies ThreadToMain);
}

/** Starts the gateway as thread `thread`; resolves with what handles the supervisor's messages from then on. */
async function runIoThread(port: MessagePort, data: IoThreadData, thread: number, loaded: LoadedUws): Promise<(message: MainToThread) => void> {
  const post = (message: ThreadToMain): void => port.postMessage(message);
  const log = createLogger(data.options.logLevel).child({ thread });
  const seq = new BigInt64Array(data.seq);
  const link = new SupervisorLink(post, data.options.threads);
  const claims = new ClaimRelay((ids, seqs) => post({ kind: 'claims', ids, seqs }), testClaimsDelayMs(data.options.testHooks));
  let gateway: Gateway;
  try {
    gateway = await startGateway({ ...data.options, port: data.port }, loaded, log, {
      nextSeq: () => Number(Atomics.add(seq, 0, 1n)),
      registered: claims.registered,
      http: link.httpSources(),
      dashboard: link.dashboardSources(thread),
      clients: ProcessCounters.count(data.counters, data.ledger, ProcessCounter.Clients, data.options.maxClients),
      statusStreams: ProcessCounters.count(data.counters, data.ledger, ProcessCounter.StatusStreams, data.options.maxStatusRequests),
      perIp: data.perIp === undefined ? undefined : new SharedPerIpConnections(data.perIp, data.options.maxConnectionsPerIp),
      servesAdmin: thread === ADMIN_THREAD,
    });
  } catch (error) {
    if (!isStartupConfigError(error)) throw error;
    // Before any app was opened (the files are read first): the thread may end at once. The message arrives before 'exit'.
    post({ kind: 'config_error', error: error.message });
    process.exit(1);
  }
  onUnexpectedError(gateway, log, post);
  const cursors = new ThreadStatusCursors(gateway.registry, gateway.clock);
  post({ kind: 'listening', port: gateway.port });
  return (message) => {
    switch (message.kind) {
      case 'report':
        void report(gateway, message.what, message.args ?? {}).then((report) => post({ kind: 'report', id: message.id, what: message.what, data: report }));
        return;
      case 'collected':
        link.settle(message.id, message.data);
        return;
      case 'live':
        gateway.dashboard.publish(message.message);
        return;
      case 'cursor': {
        const answer = cursors.apply(message.reader, message.cursor, message.op);
        if (answer !== undefined) post({ kind: 'cursor_answer', id: message.id, reader: message.reader, answer });
        return;
      }
      case 'cursor_answer':
        link.settleCursor(message.id, message.answer);
        return;
      case 'reader_gone':
        cursors.readerGone(message.reader);
        return;
      case 'stop':
        void stopThread(gateway, port, message.graceMs, post);
        return;
      case 'claims':
        for (let i = 0; i < message.ids.length; i++) gateway.registry.yieldTo(message.ids[i], message.seqs[i]);
        return;
      case 'flush_claims':
        // The claims go first on this port: the supervisor has relayed them when it reads the answer.
        claims.flush();
        post({ kind: 'claims_flushed', id: message.id });
        return;
      case 'activate':
        return;
    }
  };
}

async function report(gateway: Gateway, what: ReportKind, args: CollectArgs): Promise<ThreadReports[ReportKind]> {
  switch (what) {
    case 'health':
      return { connections: gateway.connectionCount, clients: gateway.registry.size };
    case 'metrics':
      return gateway.metrics.registry.getMetricsAsJSON();
    case 'clients':
      return gateway.dashboard.localClients(args.query ?? DEFAULT_CLIENT_QUERY);
    case 'kick':
      return args.clientId === undefined ? null : gateway.dashboard.localKick(args.clientId);
    case 'live':
      return gateway.dashboard.liveReport(args.watched ?? false);
  }
}

/** 1001 to every peer, a moment for them to answer, then every socket and the app closed: the thread may then end. */
async function stopThread(gateway: Gateway, port: MessagePort, graceMs: number, post: (m: ThreadToMain) => void): Promise<void> {
  await gateway.stop();
  await new Promise((resolve) => setTimeout(resolve, Math.min(graceMs, CLOSE_ANSWER_MS)));
  gateway.closeApp();
  post({ kind: 'stopped' });
  port.close();
}

/**
 * A thread that throws must not take the process down: uWS aborts the
 * process if a thread ends with its app open. So the thread closes its
 * connections (4020), then its app, tells the supervisor what it lost, and
 * exits; the supervisor starts a new one. The other threads never notice.
 */
function onUnexpectedError(gateway: Gateway, log: ReturnType<typeof createLogger>, post: (m: ThreadToMain) => void): void {
  let failing = false;
  const fail = (error: unknown): void => {
    if (failing) return;
    failing = true;
    const lost = { connections: gateway.connectionCount, clients: gateway.registry.size };
    lifecycleLogger(log).error({ event: 'thread_failed', err: error, ...lost });
    post({ kind: 'failed', error: String(error), ...lost });
    void gateway.stop(CloseReason.ThreadFailed).finally(() => {
      gateway.closeApp();
      process.exit(1);
    });
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
}

if (parentPort === null) throw new Error('io-thread.js runs as a worker thread (see thread-supervisor.ts)');
main(parentPort, workerData as IoThreadData);
