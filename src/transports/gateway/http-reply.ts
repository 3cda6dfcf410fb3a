import type { HttpResponse } from 'uWebSockets.js';

/**
 * An HTTP response that may be answered after an await: uWS forbids
 * touching a response after the client aborted it, and wants writes made
 * outside its own callbacks to be corked.
 */
export class HttpReply {
  private aborted = false;

  constructor(readonly res: HttpResponse) {
    res.onAborted(() => {
      this.aborted = true;
    });
  }

  get open(): boolean {
    return !this.aborted;
  }

  send(status: string, contentType: string, body: string, headers: Readonly<Record<string, string>> = {}): void {
    if (this.aborted) return;
    this.res.cork(() => {
      this.res.writeStatus(status).writeHeader('content-type', contentType);
      for (const [name, value] of Object.entries(headers)) this.res.writeHeader(name, value);
      this.res.end(body);
    });
  }

  /** Starts a streamed (chunked) body. */
  begin(status: string, contentType: string): void {
    if (this.aborted) return;
    this.res.cork(() => {
      this.res.writeStatus(status).writeHeader('content-type', contentType);
    });
  }

  /** Writes a chunk (uWS copies what it cannot send at once); resolves once uWS can take more (the peer reads). */
  async write(chunk: string | Uint8Array): Promise<void> {
    if (this.aborted) return;
    let accepted = true;
    this.res.cork(() => {
      accepted = this.res.write(chunk);
    });
    if (accepted || this.aborted) return;
    await new Promise<void>((resolve) => {
      this.res.onWritable(() => {
        resolve();
        return true;
      });
      this.res.onAborted(() => {
        this.aborted = true;
        resolve();
      });
    });
  }

  end(chunk = ''): void {
    if (this.aborted) return;
    this.res.cork(() => {
      this.res.end(chunk);
    });
  }
}
