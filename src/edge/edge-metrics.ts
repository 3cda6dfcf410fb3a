import { Counter, type Registry } from 'prom-client';
import type { AdminRefusal } from './admin-access.js';
import type { UpgradeRefusal } from './upgrade-gate.js';

/** Why a ka_register was refused by the edge's policy. */
export type RegisterRefusal = 'not_permitted' | 'held' | 'flapping';

/**
 * The edge's metrics (refusals, limits, auth), registered in the gateway's
 * own prom-client registry so one GET /metrics serves them all. Counted
 * per event (refusals, drops, clamps), never per accepted message. Closes
 * (4010-4012) are in keepwatch_connection_closes_total{reason}.
 */
export class EdgeMetrics {
  private readonly adminRefusals: Counter<'reason'>;
  private readonly upgradeRefusals: Counter<'reason'>;
  private readonly registerRefusals: Counter<'reason'>;
  private readonly clamps: Counter<never>;
  /** Plain number, read at scrape time: a flood drops messages by the hundred thousand. */
  private dropped = 0;

  constructor(registry: Registry) {
    const registers = [registry];
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> =>
      new Counter<L>({ name, help, labelNames, registers });
    this.adminRefusals = counter(
      'keepwatch_admin_refusals_total',
      'Admin requests refused, by reason: no_token, bad_token (401), not_loopback (403).',
      ['reason'],
    );
    this.upgradeRefusals = counter(
      'keepwatch_upgrade_refusals_total',
      'WebSocket upgrades refused, by reason: connections_full (503, --max-connections), origin (403), per_ip (429), token_missing, token_expired, token_bad_signature, token_invalid, token_no_client_id (401).',
      ['reason'],
    );
    this.registerRefusals = counter(
      'keepwatch_register_refusals_total',
      'ka_register refused, by reason: not_permitted (error 30), held (31), flapping (32).',
      ['reason'],
    );
    this.clamps = counter('keepwatch_register_clamped_total', 'Registrations whose timeout_ms or ping_interval_ms was clamped to the gateway bounds.', []);
    const dropped = (): number => this.dropped;
    new Counter({
      name: 'keepwatch_rate_limited_messages_total',
      help: 'Messages dropped unread for exceeding --max-message-rate.',
      registers,
      collect() {
        this.reset();
        this.inc(dropped());
      },
    });
  }

  adminRefused(reason: AdminRefusal): void {
    this.adminRefusals.inc({ reason });
  }

  upgradeRefused(reason: UpgradeRefusal): void {
    this.upgradeRefusals.inc({ reason });
  }

  registerRefused(reason: RegisterRefusal): void {
    this.registerRefusals.inc({ reason });
  }

  clamped(): void {
    this.clamps.inc();
  }

  rateLimited(): void {
    this.dropped++;
  }
}
