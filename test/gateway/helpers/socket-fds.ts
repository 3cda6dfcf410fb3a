import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Whether process `pid` still holds a file descriptor for the TCP
 * connection localPort <-> peerPort on 127.0.0.1 (Linux /proc). A socket the
 * process has closed may live on in the kernel (FIN_WAIT), but without an fd.
 */
export function holdsSocket(pid: number, localPort: number, peerPort: number): boolean {
  const inodes = new Set<string>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 10) continue;
    const local = parseInt(cols[1].split(':')[1], 16);
    const remote = parseInt(cols[2].split(':')[1], 16);
    if (local === localPort && remote === peerPort && cols[9] !== '0') inodes.add(cols[9]);
  }
  if (inodes.size === 0) return false;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m && inodes.has(m[1])) return true;
  }
  return false;
}
