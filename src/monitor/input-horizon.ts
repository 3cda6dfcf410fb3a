import type { Clock } from './clock.js';

/**
 * "Zero false expiries" has to hold however busy the server is: a client
 * whose heartbeat sits unread in its socket is not silent, the server is
 * slow. So an expiry is decided at a READ HORIZON, a time H such that
 * every byte that reached this thread's sockets before H has already been
 * read and handled, never at the clock's time.
 *
 * How H is found, from the order of Node's event loop (libuv: timers,
 * pending, prepare, POLL, CHECK, close). Sockets (uWebSockets.js's too:
 * they are libuv poll handles) are read in the poll phase; setImmediate
 * callbacks run in the check phase, and one queued from a check callback
 * runs in the next iteration's check phase. So a first immediate notes the
 * time H and queues a second: by the time the second runs, one whole poll
 * phase has run that began after H, and it read every socket that was
 * readable by then. A stalled loop (a long handler, a GC pause, a flood
 * of requests) makes H lag behind the clock by about the length of a
 * loop iteration, and expiries wait that long; a quiet loop adds two
 * iterations (microseconds).
 *
 * Any time before H is a horizon too: a caller may hold on to H while it
 * queues the decision (a worker round) and stays safe.
 *
 * "Reached the sockets" is the kernel's socket queue: bytes still on their
 * way (TCP, loopback included, goes through the kernel's softirq work,
 * milliseconds late on a loaded machine) are network delay, which the
 * client's timeout has to cover. test/monitor/input-horizon.test.ts shows
 * the promise over a Unix socket, where a write is in the queue at once.
 *
 * The limit: libuv reads at most 48 x 1024 ready sockets per poll phase;
 * with more sockets readable at once than that, the rest wait for the
 * next one and their heartbeats can be read after H.
 */
export function afterInputRead(clock: Clock, then: (readUpTo: number) => void): void {
  setImmediate(() => {
    const readUpTo = clock.now();
    setImmediate(() => then(readUpTo));
  });
}
