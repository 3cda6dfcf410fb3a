/**
 * An I/O thread's registrations, told to its sibling threads so that a
 * client_id registered again from a connection on another thread moves
 * there (the later registration, by process-wide sequence number, keeps
 * it: ClientRegistry.yieldTo). Batched: one message per turn of the
 * thread's event loop, however many registrations it read; nothing per
 * heartbeat.
 *
 * Until a sibling reads the batch (its next loop turn: well under a
 * millisecond when idle, longer under load), both threads hold the client;
 * never neither, and the later registration always ends up the owner. The
 * client has its ka_register_ok by then, so a collection (/healthz,
 * /metrics, the dashboard) flushes every thread's batch first
 * (ThreadSupervisor.gather): what it reports has every move made before it.
 */
export class ClaimRelay {
  private ids: string[] = [];
  private seqs: number[] = [];
  private scheduled = false;

  /** `delayMs` > 0 (a test hook: KEEPWATCH_TEST_CLAIMS_DELAY_MS) holds each batch that long, as a thread preempted before its next loop turn would. */
  constructor(
    private readonly send: (ids: string[], seqs: number[]) => void,
    private readonly delayMs = 0,
  ) {}

  readonly registered = (clientId: string, seq: number): void => {
    this.ids.push(clientId);
    this.seqs.push(seq);
    if (this.scheduled) return;
    this.scheduled = true;
    if (this.delayMs > 0) setTimeout(() => this.flush(), this.delayMs).unref();
    else setImmediate(() => this.flush());
  };

  /** Sends the registrations not sent yet, if any (the scheduled flush then finds none). */
  flush(): void {
    this.scheduled = false;
    if (this.ids.length === 0) return;
    const { ids, seqs } = this;
    this.ids = [];
    this.seqs = [];
    this.send(ids, seqs);
  }
}
