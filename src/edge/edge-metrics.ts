import { Counter, type Registry } from 'prom-client';
import type { AdminRefusal } from './admin-access.js';

/**
 * The edge's metrics (refusals, limits, auth), registered in the gateway's
 * own prom-client registry so one GET /metrics serves them all. Counted
 * per event (rare by nature: refusals and closes), never per message.
 */
export class EdgeMetrics {
  private readonly adminRefusals: Counter<'reason'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.adminRefusals = new Counter({
      name: 'keepwatch_admin_refusals_total',
      help: 'Admin requests refused, by reason: no_token, bad_token (401), not_loopback (403).',
      labelNames: ['reason'],
      registers,
    });
  }

  adminRefused(reason: AdminRefusal): void {
    this.adminRefusals.inc({ reason });
  }
}
