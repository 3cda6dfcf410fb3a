/**
 * Client-to-server WebSocket text frames built by hand, so a burst of
 * hundreds of heartbeats is one precomputed buffer and one socket write: the
 * load tool must cost the machine less than the server it measures. RFC 6455
 * requires client frames to be masked; a zero masking key is a valid key and
 * leaves the payload bytes as they are, so no per-frame XOR is needed.
 */
const ZERO_MASK = Buffer.alloc(4);

export function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const len = payload.length;
  let header: Buffer;
  if (len < 126) {
    header = Buffer.from([0x81, 0x80 | len]);
  } else if (len < 65_536) {
    header = Buffer.from([0x81, 0x80 | 126, len >> 8, len & 0xff]);
  } else {
    throw new Error(`frame of ${len} bytes is larger than the load tool sends`);
  }
  return Buffer.concat([header, ZERO_MASK, payload]);
}

export function registerText(clientId: string, timeoutMs: number, pingIntervalMs: number, msgId: number): string {
  return JSON.stringify({ type: 'ka_register', client_id: clientId, timeout_ms: timeoutMs, ping_interval_ms: pingIntervalMs, msg_id: msgId });
}

/** A heartbeat with a msg_id is answered (used to count throughput); without one it is fire-and-forget. */
export function heartbeatText(clientId: string, msgId?: number): string {
  return JSON.stringify(msgId === undefined ? { type: 'ka_heartbeat', client_id: clientId } : { type: 'ka_heartbeat', client_id: clientId, msg_id: msgId });
}

/** The answer to a ka_ping: a heartbeat that is never answered itself. */
export function pongText(clientId: string): string {
  return JSON.stringify({ type: 'ka_pong', client_id: clientId });
}

/** `count` copies of one frame in a single buffer. */
export function repeatedFrames(frame: Buffer, count: number): Buffer {
  return Buffer.concat(Array.from({ length: count }, () => frame));
}
