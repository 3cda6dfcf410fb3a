import { isIPv4, isIPv6 } from 'node:net';

/**
 * A peer's address as uWS reports it in binary (4 bytes for IPv4, 16 for
 * IPv6; an IPv4 peer of a dual-stack socket arrives as ::ffff:a.b.c.d).
 * The binary form is read instead of uWS's text form because the text of
 * an IPv6 address is fully expanded ("0000:...:0001") and would have to be
 * parsed back anyway.
 */
export interface PeerAddress {
  /** Canonical text: dotted quad for IPv4 (mapped ones too), lower-case hex groups for IPv6. One key per host. */
  readonly text: string;
  /** 127.0.0.0/8 or ::1 (mapped 127/8 too). */
  readonly loopback: boolean;
}

const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** uWS's getRemoteAddress() (an ArrayBuffer of 4 or 16 bytes) -> PeerAddress. */
export function peerAddress(binary: ArrayBuffer): PeerAddress {
  const bytes = new Uint8Array(binary);
  if (bytes.length === 4) return ipv4(bytes);
  if (bytes.length === 16 && MAPPED_PREFIX.every((b, i) => bytes[i] === b)) return ipv4(bytes.subarray(12));
  if (bytes.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
    const loopback = bytes.subarray(0, 15).every((b) => b === 0) && bytes[15] === 1;
    return { text: groups.join(':'), loopback };
  }
  // Not a socket uWS would accept; treated as remote (never trusted).
  return { text: 'unknown', loopback: false };
}

function ipv4(bytes: Uint8Array): PeerAddress {
  return { text: `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`, loopback: bytes[0] === 127 };
}

/**
 * Whether a bind address (a --host value) only accepts connections from this
 * machine. 'localhost' counts; '0.0.0.0', '::' and anything unparsable do not.
 */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIPv4(host)) return host.startsWith('127.');
  if (!isIPv6(host)) return false;
  const lower = host.toLowerCase();
  if (lower.startsWith('::ffff:')) return isLoopbackHost(lower.slice(7));
  return /^(0{0,4}:){2,7}0{0,3}1$/.test(lower) || lower === '::1';
}
