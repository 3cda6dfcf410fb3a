import net from 'node:net';
import WebSocket from 'ws';
import { clientIdsOf, type ConnectionSpec } from './load-plan.js';
import { heartbeatText, maskedTextFrame, pongText, registerText, repeatedFrames } from './client-frames.js';
import type { ChildCounts, LiveLoss } from './ipc-messages.js';
// process.hrtime is CLOCK_MONOTONIC: the same clock in every process, so times from children and the coordinator compare.
import { nowNs } from '../../bench/lib/histogram.js';
import { connectionToken, openTransport, type LoadEdge } from './edge-access.js';
import { ReplyFilter, type ReplySink } from './reply-filter.js';

const REGISTER_TIMEOUT_MS = 30_000;

/** Counters shared by all connections of one child. */
export type ChildCounters = ChildCounts;

/** A closed loop of `window` answered heartbeats in flight: `frames` is `window` copies of the one pre-built, pre-masked heartbeat. */
interface Burst {
  window: number;
  frames: Buffer;
  frameLength: number;
  outstanding: number;
}

/**
 * One load connection: its client_ids, when it last wrote (the base of every
 * detection delay), and its reactions to the server. A frozen connection
 * writes nothing more, not even a pong: it stands for a hung client.
 */
export class LoadConnection implements ReplySink {
  readonly ids: string[];
  readonly isMux: boolean;
  lastWriteNs = 0;
  /** The gap before the last write, ns (see LiveLoss.previousGapNs). */
  previousGapNs = 0;
  /** Per client_id on a multiplexed connection: the last frame naming it. */
  readonly lastNamedNs: Float64Array;
  /** Per client_id: the gap before the last frame naming it, ns. */
  readonly previousNamedGapNs: Float64Array;
  /** What frames are written on: the TCP socket, or the TLS socket over it. */
  socket: net.Socket | null = null;
  /** The TCP socket itself: what a victim hands to the coordinator. */
  tcp: net.Socket | null = null;
  frozen = false;
  closed = false;
  losses: LiveLoss[] = [];
  private ws: WebSocket | null = null;
  private closingByUs = false;
  private registerPending = 0;
  private burst: Burst | null = null;

  constructor(
    readonly spec: ConnectionSpec,
    private readonly counters: ChildCounters,
  ) {
    this.ids = clientIdsOf(spec);
    this.isMux = spec.clients > 1;
    this.lastNamedNs = new Float64Array(this.ids.length);
    this.previousNamedGapNs = new Float64Array(this.ids.length);
  }

  /** Opens the connection and registers every client_id; resolves with null on success or the error text. */
  async open(url: string, timeoutMs: number, pingIntervalMs: number, edge: LoadEdge): Promise<string | null> {
    this.latePingNs = latePingAfterNs(pingIntervalMs);
    const token = edge.jwtSecret === undefined ? undefined : await connectionToken(this.spec, edge.jwtSecret);
    return new Promise((resolve) => {
      let settled = false;
      const settle = (err: string | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(err);
      };
      const timer = setTimeout(() => settle('register timed out'), REGISTER_TIMEOUT_MS);
      const ws = new WebSocket(url, {
        perMessageDeflate: false,
        autoPong: false,
        skipUTF8Validation: true,
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        // Our own connect keeps the sockets: a victim hands the TCP one to the coordinator. ws calls it with an options object only.
        createConnection: ((opts: net.NetConnectOpts & { host?: string; port?: number }) => {
          const transport = openTransport(opts, edge.caPem);
          this.tcp = transport.tcp;
          this.socket = transport.writable;
          return this.socket;
        }) as typeof net.createConnection,
      });
      this.ws = ws;
      ws.on('error', (err) => settle(err.message));
      ws.on('open', () => {
        const err = this.filterReplies();
        if (err !== null) {
          settle(err);
          return;
        }
        this.registerPending = this.ids.length;
        this.registered = () => settle(null);
        this.registerFailed = (text) => settle(`register refused: ${text}`);
        const frames = this.ids.map((id, j) => maskedTextFrame(registerText(id, timeoutMs, pingIntervalMs, j + 1)));
        this.writeRaw(Buffer.concat(frames), frames.length, -1);
      });
      ws.on('message', (data: Buffer) => this.onMessage(data));
      ws.on('ping', () => this.onPing());
      ws.on('close', (code: number) => {
        settle(`closed with ${code} before registering`);
        this.onClose(code);
      });
    });
  }

  /**
   * Puts a ReplyFilter between the socket and ws's receiver: heartbeat
   * replies are counted from frame headers, everything else reaches ws as
   * before. Called on 'open', before anything is sent: the server has sent
   * no frame yet, so the filter starts at a frame boundary.
   */
  private filterReplies(): string | null {
    const socket = this.socket;
    if (socket === null) return 'no socket at open';
    const receivers = socket.listeners('data') as Array<(this: net.Socket, chunk: Buffer) => void>;
    if (receivers.length !== 1) return `expected ws's one 'data' listener at open, found ${receivers.length}`;
    const [toWs] = receivers;
    socket.removeListener('data', toWs);
    const filter = new ReplyFilter((bytes) => toWs.call(socket, bytes), this, heartbeatText(this.ids[0], BURST_MSG_ID));
    socket.on('data', (chunk: Buffer) => filter.write(chunk));
    return null;
  }

  private registered: () => void = () => {};
  private registerFailed: (text: string) => void = () => {};

  /** Writes frames on the socket, stamping activity first (a stamp after the write could postdate the server's receipt). */
  private writeRaw(buf: Buffer, frames: number, namedIndex: number): void {
    if (this.frozen || this.socket === null || this.socket.destroyed) return;
    const now = nowNs();
    this.stampWrite(now);
    if (namedIndex >= 0) {
      if (this.lastNamedNs[namedIndex] > 0) this.previousNamedGapNs[namedIndex] = now - this.lastNamedNs[namedIndex];
      this.lastNamedNs[namedIndex] = now;
    } else if (namedIndex === -1) this.lastNamedNs.fill(now);
    this.counters.framesSent += frames;
    this.socket.write(buf);
  }

  /** A ping read this long after the client last spoke came late (see ChildCounts.latePings). */
  private latePingNs = Infinity;

  private countIfLate(lastSpokeNs: number): void {
    if (lastSpokeNs > 0 && nowNs() - lastSpokeNs > this.latePingNs) this.counters.latePings++;
  }

  private stampWrite(now: number): void {
    if (this.lastWriteNs > 0) this.previousGapNs = now - this.lastWriteNs;
    this.lastWriteNs = now;
  }

  heartbeat(idIndex: number): void {
    this.writeRaw(maskedTextFrame(heartbeatText(this.ids[idIndex])), 1, idIndex);
  }

  startBurst(window: number): void {
    const frame = maskedTextFrame(heartbeatText(this.ids[0], BURST_MSG_ID));
    const burst: Burst = { window, frames: repeatedFrames(frame, window), frameLength: frame.length, outstanding: window };
    this.burst = burst;
    this.writeRaw(burst.frames, window, 0);
  }

  /** ReplySink: `n` replies read in one chunk; once half the window is answered, one write refills it. */
  replies(n: number): void {
    const burst = this.burst;
    if (burst === null) return;
    this.counters.burstReplies += n;
    burst.outstanding -= n;
    if (burst.outstanding > burst.window >> 1) return;
    // Replies of an earlier burst still in flight can take outstanding below zero: never more than a window in flight.
    const refill = Math.min(burst.window, burst.window - burst.outstanding);
    burst.outstanding += refill;
    this.writeRaw(burst.frames.subarray(0, refill * burst.frameLength), refill, 0);
  }

  /** ReplySink: a sampled reply that does not answer the heartbeat sent. */
  badReply(text: string): void {
    if (this.counters.badReplies++ === 0) process.stderr.write(`load child ${process.pid}: a heartbeat reply that does not answer it: ${text.slice(0, 200)}\n`);
  }

  stopBurst(): void {
    this.burst = null;
  }

  freeze(): void {
    this.frozen = true;
  }

  private onMessage(data: Buffer): void {
    if (this.registerPending > 0) {
      if (data.indexOf('ka_register') >= 0) {
        if (--this.registerPending === 0) this.registered();
        return;
      }
      if (ERROR_TYPE.test(data.toString('utf8'))) {
        this.registerPending = 0;
        this.registerFailed(data.toString('utf8').slice(0, 200));
        return;
      }
    }
    if (data.indexOf('ka_ping') >= 0) {
      this.counters.kaPingsReceived++;
      // The application answers every ka_ping with a ka_pong naming the client: the gateway's default
      // ping is the application-level message alone (docs/protocol.md section 2), so a client that
      // only answers ping frames would be measured as dead.
      const id = clientIdIn(data);
      const j = id === null ? -1 : this.indexOf(id);
      if (j >= 0) {
        this.countIfLate(this.lastNamedNs[j]);
        this.writeRaw(maskedTextFrame(pongText(this.ids[j])), 1, j);
      }
      return;
    }
    if (data.indexOf('ka_expired') >= 0 && !this.frozen) {
      const id = clientIdIn(data) ?? this.ids[0];
      const j = this.indexOf(id);
      this.losses.push({
        clientId: id,
        kind: 'ka_expired',
        code: 0,
        silentForNs: nowNs() - (j >= 0 ? this.lastNamedNs[j] : this.lastWriteNs),
        previousGapNs: j >= 0 ? this.previousNamedGapNs[j] : this.previousGapNs,
      });
    }
  }

  private indexOf(id: string): number {
    if (!this.isMux) return id === this.ids[0] ? 0 : -1;
    const dash = id.lastIndexOf('-');
    const j = Number(id.slice(dash + 1));
    return this.ids[j] === id ? j : -1;
  }

  private onPing(): void {
    this.counters.pingsReceived++;
    if (this.frozen || this.ws === null) return;
    this.countIfLate(this.lastWriteNs);
    this.stampWrite(nowNs());
    this.ws.pong();
  }

  private onClose(code: number): void {
    this.closed = true;
    if (this.closingByUs || this.frozen) return;
    this.losses.push({
      clientId: this.ids[0],
      kind: code === 4000 ? 'closed-4000' : 'other-close',
      code,
      silentForNs: nowNs() - this.lastWriteNs,
      previousGapNs: this.previousGapNs,
    });
  }

  close(): void {
    this.closingByUs = true;
    this.ws?.terminate();
  }
}

/** The msg_id of every burst heartbeat: replies are counted, not matched, so one pre-built frame serves the whole burst. */
const BURST_MSG_ID = 1;
const ERROR_TYPE = /"type":\s*"error"/;
const CLIENT_ID_FIELD = /"client_id":\s*"([^"]*)"/;

function clientIdIn(data: Buffer): string | null {
  const m = CLIENT_ID_FIELD.exec(data.toString('utf8'));
  return m === null ? null : m[1];
}

/** A whole interval, its largest jitter (a tenth) and a second of slack: a ping read later than that was sent or read late. */
function latePingAfterNs(pingIntervalMs: number): number {
  return (pingIntervalMs * 1.1 + 1000) * 1e6;
}
