import { prometheusContentType } from 'prom-client';
import type { HttpRouteDeps } from '../http-routes.js';
import type { StatusRow } from '../status-stream.js';
import type { DashboardThreading } from '../../../dashboard/dashboard.js';
import type { Collected, CollectArgs, CollectKind, ThreadToMain } from './thread-messages.js';

type Pending = { resolve(data: Collected[CollectKind]): void };

/**
 * An I/O thread's side of HTTP aggregation: /healthz, /status and /metrics
 * landed on this thread (the kernel picks one per connection), so it asks
 * the supervisor, which asks every thread (this one included) and answers
 * with the whole process's figures. One round trip per HTTP request.
 */
export class SupervisorLink {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor(private readonly post: (message: ThreadToMain) => void) {}

  httpSources(): Pick<HttpRouteDeps, 'monitor' | 'metrics' | 'health'> {
    return {
      health: () => this.collect('health'),
      metrics: {
        contentType: prometheusContentType,
        text: () => this.collect('metrics'),
      },
      monitor: {
        status: async () => toStatuses(await this.collect('status')),
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

  private collect<K extends CollectKind>(what: K, args?: CollectArgs): Promise<Collected[K]> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve: resolve as Pending['resolve'] });
      this.post({ kind: 'collect', id, what, args });
    });
  }
}

function toStatuses(columns: Collected['status']): StatusRow[] {
  const out = new Array<StatusRow>(columns.ids.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = { clientId: columns.ids[i], lastSeenMsAgo: columns.lastSeenMsAgo[i], status: 'active', rttMs: columns.rttMs[i], srttMs: columns.srttMs[i] };
  }
  return out;
}
