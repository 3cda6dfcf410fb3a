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
 * never neither, and the later registration always ends up the owner.
 */
export class ClaimRelay {
  private ids: string[] = [];
  private seqs: number[] = [];
  private scheduled = false;

  constructor(private readonly send: (ids: string[], seqs: number[]) => void) {}

  readonly registered = (clientId: string, seq: number): void => {
    this.ids.push(clientId);
    this.seqs.push(seq);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  };

  private flush(): void {
    this.scheduled = false;
    const { ids, seqs } = this;
    this.ids = [];
    this.seqs = [];
    this.send(ids, seqs);
  }
}
