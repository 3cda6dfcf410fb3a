import { closeSync, openSync } from 'node:fs';

/** How often the descriptors are probed: two syscalls each time. */
const PROBE_MS = 100;
/** Descriptors that must be free again before listening again, so that the first accepts do not hit the limit at once. */
const RESUME_FREE = 16;

/** The gateway's listen socket, as the guard drives it. */
export interface Listening {
  /** Closes the listen socket: the kernel refuses new connections; open ones carry on. */
  pause(): void;
  /** Listens again on the same port; false if the bind failed (tried again at the next probe). */
  resume(): Promise<boolean>;
}

/**
 * The open-file limit seen from the descriptors themselves. --max-connections
 * keeps WebSocket connections below the limit, but raw TCP connections that
 * never send a request are not WebSocket connections yet: they hold their
 * descriptors until uWS's HTTP idle timeout (~10 s), and enough of them reach
 * the limit, where uSockets' accept fails with EMFILE and returns to epoll,
 * which reports the listen socket again at once: the loop spins at 100% and
 * nothing new is accepted, /healthz included. So every PROBE_MS the guard
 * opens /dev/null: EMFILE means the process is at its limit, and the listen
 * socket is closed (new connections are refused by the kernel, without a
 * spin) until RESUME_FREE descriptors can be opened again; then the gateway
 * listens again on the same port. Costs: one open and close per probe;
 * RESUME_FREE of each per probe while paused.
 */
export class AcceptGuard {
  private timer: NodeJS.Timeout | undefined;
  private paused = false;
  private resuming = false;

  constructor(
    private readonly listening: Listening,
    private readonly changed: (paused: boolean) => void,
  ) {}

  /** Whether the listen socket is closed by the guard now. */
  get isPaused(): boolean {
    return this.paused;
  }

  start(): void {
    // Not unref'd: while paused it may be all that keeps the process alive (stop() clears it).
    this.timer = setInterval(() => this.probe(), PROBE_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private probe(): void {
    if (!this.paused) {
      if (canOpen(1)) return;
      this.paused = true;
      this.listening.pause();
      this.changed(true);
    } else if (!this.resuming && canOpen(RESUME_FREE)) {
      this.resuming = true;
      void this.listening.resume().then((listening) => {
        this.resuming = false;
        if (!listening || this.timer === undefined) return;
        this.paused = false;
        this.changed(false);
      });
    }
  }
}

/** Whether `count` more descriptors can be opened now (opened and closed again at once). */
function canOpen(count: number): boolean {
  const fds: number[] = [];
  try {
    for (let i = 0; i < count; i++) fds.push(openSync('/dev/null', 'r'));
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EMFILE' || code === 'ENFILE') return false;
    throw error;
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}
