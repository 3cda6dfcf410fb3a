import type net from 'node:net';
import { nowNs } from '../../bench/lib/histogram.js';

const KA_EXPIRED = /"ka_expired"[^}]*?"client_id":\s*"([^"]*)"/g;
const CARRY = 512;

/**
 * Watches the sockets of silenced clients from outside the stopped process:
 * the stopped child shares each socket's file with the coordinator, so the
 * server's close (a close frame, FIN or reset) or its ka_expired message is
 * timestamped when it arrives, not when the stopped process would wake up.
 * It never writes, so the clients stay silent.
 *
 * Over TLS the bytes are encrypted: a close frame, a ka_expired and a
 * ka_ping look alike, so only the end of the TCP stream (FIN, reset) marks
 * the close, and a multiplexed client's ka_expired is not seen (measure
 * multiplexed connections on plain ws://).
 */
export class ExpiryObserver {
  /** First sign that the server ended a connection (close frame, FIN, reset), ns. */
  readonly connectionEndNs = new Map<number, number>();
  /** The close code of a close frame, when one was seen. */
  readonly connectionCloseCode = new Map<number, number>();
  /** First ka_expired naming a client_id, ns. */
  readonly clientExpiredNs = new Map<string, number>();
  private readonly sockets: net.Socket[] = [];

  /** `encrypted`: the watched sockets carry TLS (see above). */
  constructor(private readonly encrypted = false) {}

  watch(connection: number, socket: net.Socket): void {
    this.sockets.push(socket);
    let carry = '';
    const ended = (): void => {
      if (!this.connectionEndNs.has(connection)) this.connectionEndNs.set(connection, nowNs());
    };
    socket.on('data', (chunk: Buffer) => {
      if (this.encrypted) return;
      const now = nowNs();
      const code = closeFrameCode(chunk);
      if (code !== null) {
        ended();
        if (!this.connectionCloseCode.has(connection)) this.connectionCloseCode.set(connection, code);
      }
      const text = carry + chunk.toString('latin1');
      if (text.includes('ka_expired')) {
        for (const m of text.matchAll(KA_EXPIRED)) {
          if (!this.clientExpiredNs.has(m[1])) this.clientExpiredNs.set(m[1], now);
        }
      }
      carry = text.slice(-CARRY);
    });
    socket.on('end', ended);
    socket.on('error', ended);
    socket.on('close', ended);
  }

  closeAll(): void {
    for (const s of this.sockets) s.destroy();
  }
}

/**
 * The code of a server close frame (opcode 8, unmasked, short) in a chunk, or
 * null. Server frames carry JSON text, whose bytes are all below 0x80 here,
 * so a 0x88 byte followed by a plausible length is the close frame's header.
 */
export function closeFrameCode(chunk: Buffer): number | null {
  let at = chunk.indexOf(0x88);
  while (at >= 0) {
    const len = chunk[at + 1];
    if (len !== undefined && len <= 125) {
      return len >= 2 && at + 3 < chunk.length ? chunk.readUInt16BE(at + 2) : 1005;
    }
    at = chunk.indexOf(0x88, at + 1);
  }
  return null;
}
