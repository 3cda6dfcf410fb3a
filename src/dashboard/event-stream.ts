import type { HttpResponse } from 'uWebSockets.js';

/**
 * One page's server-sent event stream on a uWS response. A reader that
 * falls behind is not buffered for: while uWS holds unsent bytes for it,
 * new messages are dropped (the next tick supersedes them), so a slow or
 * stalled page costs at most one message of memory.
 */
export class EventStream {
  private open = true;
  private backlogged = false;

  constructor(
    private readonly res: HttpResponse,
    onClose: () => void,
  ) {
    res.onAborted(() => {
      this.open = false;
      onClose();
    });
    res.cork(() => {
      res
        .writeStatus('200 OK')
        .writeHeader('content-type', 'text/event-stream')
        .writeHeader('cache-control', 'no-store')
        // The first bytes flush the headers, so the browser's onopen fires at once.
        .write(': keepwatch dashboard\n\n');
    });
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Sends one `event: <name>` message; false if dropped (closed or backlogged). */
  send(event: string, json: string): boolean {
    if (!this.open || this.backlogged) return false;
    let accepted = true;
    this.res.cork(() => {
      accepted = this.res.write(`event: ${event}\ndata: ${json}\n\n`);
    });
    if (!accepted) {
      this.backlogged = true;
      this.res.onWritable(() => {
        this.backlogged = false;
        return true;
      });
    }
    return true;
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.res.cork(() => this.res.end());
  }
}
