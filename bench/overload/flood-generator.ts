/**
 * The flooding client of bench/overload/frame-flood.ts, in its own process
 * (its loop must not delay the well-behaved clients it is measured
 * against). The cheapest generator there is: one raw TCP socket, a hand-made
 * upgrade, then slices of one pre-built buffer of identical pre-masked
 * frames (a zero mask: client-frames.ts), written on a 1 ms pace so that
 * `rate` frames/s are due; a write the kernel does not take waits for
 * 'drain', so what it reports is what the socket took, not what was asked.
 * It reads what the server says: error 33 (rate limited) notices, the close
 * frame's code, the end of the connection.
 *
 * IPC: -> {t: 'ready'} once registered; <- {t: 'flood', rate, ms};
 * -> {t: 'flooded', result: FloodResult}.
 * argv: <port> <clientId>, or `--sink <port>`: no handshake, frames into a
 * socket that discards them (the generator's own ceiling).
 */
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { nowNs } from '../lib/histogram.js';
import { heartbeatText, maskedTextFrame, registerText, repeatedFrames } from '../../scripts/load/client-frames.js';
import { closeFrameCode } from '../../scripts/load/expiry-observer.js';

export interface FloodResult {
  framesWritten: number;
  /** Frames the socket took per second over the flood. */
  achievedPerSec: number;
  floodMs: number;
  /** error 33 notices received. */
  rateLimitNotices: number;
  /** Close frame code, if the server sent one. */
  closeCode: number | null;
  /** From the flood's first write to the server's close frame or end of stream, ms; null: still open when the flood ended. */
  closedAfterMs: number | null;
  /** Bytes of one frame. */
  frameBytes: number;
}

export type ToGenerator = { t: 'flood'; rate: number; ms: number };
export type FromGenerator = { t: 'ready' } | { t: 'flooded'; result: FloodResult };

/** Frames per buffer slice: up to 4 ms of the flood in one write. */
const MAX_SLICE_FRAMES = 800;
const REGISTER_TIMEOUT_MS = 10_000;

class Flooder {
  private notices = 0;
  private closeCode: number | null = null;
  private endedAtNs: number | null = null;
  private received = '';

  constructor(
    readonly socket: net.Socket,
    private readonly frame: Buffer,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    const ended = (): void => {
      this.endedAtNs ??= nowNs();
    };
    socket.on('end', ended);
    socket.on('close', ended);
    socket.on('error', ended);
  }

  private read(chunk: Buffer): void {
    const code = closeFrameCode(chunk);
    if (code !== null && this.closeCode === null) {
      this.closeCode = code;
      this.endedAtNs ??= nowNs();
    }
    const text = this.received + chunk.toString('latin1');
    this.notices += text.split('"code": 33').length - 1;
    this.received = text.slice(-16);
  }

  /** Resolves once `marker` arrives in what the server sends from now on (the upgrade's answer, the registration's). */
  async waitFor(marker: string, timeoutMs: number): Promise<void> {
    let seen = '';
    const deadline = Date.now() + timeoutMs;
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('latin1');
    };
    this.socket.on('data', onData);
    try {
      while (!seen.includes(marker)) {
        if (Date.now() > deadline || this.endedAtNs !== null) throw new Error(`flood generator: no '${marker}' (got ${JSON.stringify(seen.slice(0, 200))})`);
        await sleep(5);
      }
    } finally {
      this.socket.off('data', onData);
    }
  }

  /** Resolves when the socket has taken what was queued, or has closed. */
  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  async flood(rate: number, ms: number): Promise<FloodResult> {
    const batch = repeatedFrames(this.frame, MAX_SLICE_FRAMES);
    const start = nowNs();
    const until = start + ms * 1e6;
    let written = 0;
    while (this.endedAtNs === null) {
      const now = nowNs();
      if (now >= until) break;
      const due = Math.floor((rate * (now - start)) / 1e9) - written;
      if (due <= 0) {
        await sleep(1);
        continue;
      }
      const n = Math.min(due, MAX_SLICE_FRAMES);
      const took = this.socket.write(n === MAX_SLICE_FRAMES ? batch : batch.subarray(0, n * this.frame.length));
      written += n;
      if (!took) await this.drained();
    }
    const floodNs = Math.min(nowNs(), this.endedAtNs ?? Infinity) - start;
    return {
      framesWritten: written,
      achievedPerSec: written / (floodNs / 1e9),
      floodMs: floodNs / 1e6,
      rateLimitNotices: this.notices,
      closeCode: this.closeCode,
      closedAfterMs: this.endedAtNs === null ? null : (this.endedAtNs - start) / 1e6,
      frameBytes: this.frame.length,
    };
  }
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

async function main(): Promise<void> {
  const sink = process.argv[2] === '--sink';
  const port = Number(process.argv[3 - (sink ? 0 : 1)]);
  const clientId = sink ? 'sink' : process.argv[3];
  const flooder = new Flooder(await connect(port), maskedTextFrame(heartbeatText(clientId)));
  const socket = flooder.socket;
  if (!sink) {
    socket.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    await flooder.waitFor('\r\n\r\n', REGISTER_TIMEOUT_MS);
    socket.write(maskedTextFrame(registerText(clientId, 60_000, 30_000, 1)));
    await flooder.waitFor('ka_register_ok', REGISTER_TIMEOUT_MS);
  }
  const send = (msg: FromGenerator): void => void process.send?.(msg);
  process.on('message', (msg: ToGenerator) => {
    if (msg.t !== 'flood') return;
    flooder.flood(msg.rate, msg.ms).then(
      (result) => send({ t: 'flooded', result }),
      (error: unknown) => {
        process.stderr.write(`flood generator: ${String(error)}\n`);
        process.exit(1);
      },
    );
  });
  process.on('disconnect', () => process.exit(0));
  send({ t: 'ready' });
}

main().catch((error: unknown) => {
  process.stderr.write(`flood generator: ${String(error)}\n`);
  process.exit(1);
});
