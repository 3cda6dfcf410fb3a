/**
 * The server-to-client byte stream of one load connection, split into
 * WebSocket frames by their headers alone: heartbeat replies are counted
 * without being decoded, and every other frame's bytes go on, whole and in
 * order, to the `ws` receiver (pings, ka_ping, ka_expired, errors, closes
 * keep their full handling there). A reply costs a header read and a
 * prefix compare instead of ws's frame parse, a Buffer and a 'message'
 * event: the load tool must cost the machine less than the server it
 * measures.
 *
 * A reply is a final text frame whose payload starts with one of
 * REPLY_PREFIXES (keepwatch's and the baselines' `ka_heartbeat_ok`, or the
 * echo server's copy of the heartbeat). One reply in SAMPLE_EVERY (and the
 * first) is decoded and checked whole, so a server answering something
 * else is caught rather than counted.
 *
 * State between chunks: `remaining` bytes of a frame cut by the chunk's end
 * (and whether they go to ws), or `carry`, a frame start cut before its
 * header and reply prefix were in (under 14 + 26 bytes: the longest
 * header and prefix; copied).
 * Cost per chunk: one pass over its frame headers, one subarray per run of
 * forwarded frames, no allocation per reply.
 */
const REPLY_PREFIXES = ['{"type": "ka_heartbeat_ok"', '{"type":"ka_heartbeat"'].map((p) => Buffer.from(p, 'latin1'));
const LONGEST_PREFIX = Math.max(...REPLY_PREFIXES.map((p) => p.length));
const SAMPLE_EVERY = 1024;
/** FIN + text opcode: a whole text message in one frame. */
const FINAL_TEXT = 0x81;
const INCOMPLETE = 0;
const OTHER = 1;
const REPLY = 2;
type FrameKind = typeof INCOMPLETE | typeof OTHER | typeof REPLY;

export interface ReplySink {
  /** `n` heartbeat replies were read (called once per chunk that had any). */
  replies(n: number): void;
  /** A sampled reply that is not the answer to the heartbeat sent: its text. */
  badReply(text: string): void;
}

export class ReplyFilter {
  private remaining = 0;
  private forwarding = false;
  private carry: Buffer | null = null;
  private sampleCountdown = 0;

  /**
   * @param forward receives the bytes of every frame that is not a reply
   * @param echoText the heartbeat's own text: what an echo server answers
   */
  constructor(
    private readonly forward: (bytes: Buffer) => void,
    private readonly sink: ReplySink,
    private readonly echoText: string,
  ) {}

  write(chunk: Buffer): void {
    let buf = chunk;
    if (this.carry !== null) {
      buf = Buffer.concat([this.carry, chunk]);
      this.carry = null;
    }
    const end = buf.length;
    let pos = 0;
    /** Start of the run of frames to forward that ends at `pos`, or -1. */
    let runStart = -1;
    if (this.remaining > 0) {
      const n = Math.min(this.remaining, end);
      this.remaining -= n;
      if (this.forwarding) runStart = 0;
      pos = n;
    }
    let replies = 0;
    while (pos < end) {
      const kind = this.frameAt(buf, pos);
      if (kind === INCOMPLETE) {
        this.carry = Buffer.from(buf.subarray(pos));
        break;
      }
      const frameEnd = this.frameEnd;
      if (kind === REPLY) {
        if (runStart >= 0) this.forward(buf.subarray(runStart, pos));
        runStart = -1;
        replies++;
        if (--this.sampleCountdown < 0 && frameEnd <= end) this.check(buf, this.payloadStart, frameEnd);
      } else if (runStart < 0) runStart = pos;
      if (frameEnd > end) {
        this.remaining = frameEnd - end;
        this.forwarding = kind !== REPLY;
        pos = end;
        break;
      }
      pos = frameEnd;
    }
    if (runStart >= 0) this.forward(buf.subarray(runStart, pos));
    if (replies > 0) this.sink.replies(replies);
  }

  /** Set by frameAt: the last frame's payload offset and end (fields, not a returned object: no allocation per frame). */
  private payloadStart = 0;
  private frameEnd = 0;

  /** What the frame starting at `pos` is (INCOMPLETE: its header or reply prefix is not all in yet); sets payloadStart and frameEnd. */
  private frameAt(buf: Buffer, pos: number): FrameKind {
    const avail = buf.length - pos;
    if (avail < 2) return INCOMPLETE;
    const b1 = buf[pos + 1];
    let header = 2;
    let len = b1 & 0x7f;
    if (len === 126) {
      if (avail < 4) return INCOMPLETE;
      len = buf.readUInt16BE(pos + 2);
      header = 4;
    } else if (len === 127) {
      if (avail < 10) return INCOMPLETE;
      len = buf.readUInt32BE(pos + 2) * 2 ** 32 + buf.readUInt32BE(pos + 6);
      header = 10;
    }
    // A server must not mask; if one does, ws closes the connection for it: the frame is only forwarded.
    if ((b1 & 0x80) !== 0) header += 4;
    const payload = pos + header;
    this.payloadStart = payload;
    this.frameEnd = payload + len;
    if (buf[pos] !== FINAL_TEXT || (b1 & 0x80) !== 0) return OTHER;
    if (buf.length < Math.min(this.frameEnd, payload + LONGEST_PREFIX)) return INCOMPLETE;
    return startsWithPrefix(buf, payload, len) ? REPLY : OTHER;
  }

  private check(buf: Buffer, payload: number, end: number): void {
    this.sampleCountdown = SAMPLE_EVERY - 1;
    const text = buf.toString('utf8', payload, end);
    if (!isAnswer(text, this.echoText)) this.sink.badReply(text);
  }
}

function startsWithPrefix(buf: Buffer, at: number, len: number): boolean {
  for (const prefix of REPLY_PREFIXES) {
    if (len < prefix.length) continue;
    let i = 0;
    while (i < prefix.length && buf[at + i] === prefix[i]) i++;
    if (i === prefix.length) return true;
  }
  return false;
}

/** The answer to the heartbeat with msg_id 1 the burst sends: `ka_heartbeat_ok` in reply to 1, or the heartbeat echoed as it was sent. */
function isAnswer(text: string, echoText: string): boolean {
  if (text === echoText) return true;
  try {
    const body = JSON.parse(text) as { type?: unknown; in_reply_to?: unknown };
    return body.type === 'ka_heartbeat_ok' && body.in_reply_to === 1;
  } catch {
    return false;
  }
}
