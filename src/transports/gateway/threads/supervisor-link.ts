import { prometheusContentType } from 'prom-client';
import type { HttpRouteDeps } from '../http-routes.js';
import { STATUS_CHUNK_ENTRIES } from '../status-stream.js';
import type { DashboardThreading } from '../../../dashboard/dashboard.js';
import { MergedStatusCursor, type CursorLink } from './merged-status-cursor.js';
import type { Collected, CollectArgs, CollectKind, CursorAnswer, CursorOp, ThreadToMain } from './thread-messages.js';

type Pending = { resolve(data: Collected[CollectKind]): void };

/** A cursor step not answered within this long ends that thread's part of the listing (a stalled thread). */
const CURSOR_ANSWER_MS = 1000;

/**
 * An I/O thread's side of HTTP aggregation: /healthz, /status and /metrics
 * landed on this thread (the kernel picks one per connection), so it asks
 * the supervisor, which asks every thread (this one included) and answers
 * with the whole process's figures: one round trip per HTTP request, and
 * for /status one (every thread's registrations relayed: ThreadSupervisor.gather)
 * then one per thread and chunk (each thread's cursor, merged here).
 */
export class SupervisorLink {
  private readonly pending = new Map<number, Pending>();
  private readonly cursorAnswers = new Map<number, (answer: CursorAnswer | undefined) => void>();
  private nextId = 0;
  /** Each /status reader's cursor id, the same on every thread it asks. */
  private nextCursor = 0;

  constructor(
    private readonly post: (message: ThreadToMain) => void,
    private readonly threads: number,
  ) {}

  httpSources(): Pick<HttpRouteDeps, 'status' | 'metrics' | 'health'> {
    return {
      health: () => this.collect('health'),
      metrics: {
        contentType: prometheusContentType,
        text: () => this.collect('metrics'),
      },
      status: async () => {
        // Every thread's registrations relayed first: a client that just moved is listed once, at its new place.
        await this.collect('claims');
        return MergedStatusCursor.open(this.threads, this.cursorLink(this.nextCursor++), STATUS_CHUNK_ENTRIES);
      },
    };
  }

  /** The dashboard's table and kick for the whole process: `thread` is this thread's number. */
  dashboardSources(thread: number): DashboardThreading {
    return {
      thread,
      clients: (query) => this.collect('clients', { query }),
      kick: (clientId) => this.collect('kick', { clientId }),
    };
  }

  settle(id: number, data: Collected[CollectKind]): void {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    pending?.resolve(data);
  }

  settleCursor(id: number, answer: CursorAnswer | undefined): void {
    const resolve = this.cursorAnswers.get(id);
    this.cursorAnswers.delete(id);
    resolve?.(answer);
  }

  private collect<K extends CollectKind>(what: K, args?: CollectArgs): Promise<Collected[K]> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve: resolve as Pending['resolve'] });
      this.post({ kind: 'collect', id, what, args });
    });
  }

  /** One reader's cursor `cursor` on every thread. */
  private cursorLink(cursor: number): CursorLink {
    return {
      ask: (thread, op) => this.askCursor(thread, cursor, op),
      close: (thread) => this.post({ kind: 'cursor', id: this.nextId++, cursor, thread, op: { op: 'close' } }),
    };
  }

  private askCursor(thread: number, cursor: number, op: CursorOp): Promise<CursorAnswer | undefined> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settleCursor(id, undefined), CURSOR_ANSWER_MS);
      this.cursorAnswers.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.post({ kind: 'cursor', id, thread, op, cursor });
    });
  }
}
