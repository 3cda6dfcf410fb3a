import { clientIdsOf, type ConnectionSpec } from './load-plan.js';
import type { ExpiryObserver } from './expiry-observer.js';
import type { FrozenActivity } from './ipc-messages.js';
import { summarizeSigned, type SignedSummary } from './delay-stats.js';

/**
 * Which activity a server counts: keepwatch refreshes a multiplexed client
 * only by messages naming it ('client'); the baselines know connections only,
 * so any frame on the connection is activity ('connection').
 */
export type ActivityModel = 'client' | 'connection';

export interface DetectionResult {
  /** The window the delays are measured against, ms. */
  windowMs: number;
  /** Silenced client_ids. */
  silenced: number;
  detected: number;
  /** Silenced clients the server had not expired when the wait ended. */
  undetected: number;
  /** Expiries observed before last activity + window: the never-early check; must be 0. */
  early: number;
  /** Observed close minus (last activity + window), ms. */
  delayMs: SignedSummary;
  /** |delay|: how far from the deadline the close came, early or late. */
  absDelayMs: SignedSummary;
  /** The same, split: clients alone on their connection, and multiplexed ones. */
  delayMsSingle: SignedSummary;
  delayMsMux: SignedSummary;
  /** Observed close minus last activity, ms (how long a dead client stayed connected). */
  silenceBeforeCloseMs: SignedSummary;
  /** Close codes seen in close frames of silenced single-client connections, with counts. */
  closeCodes: Record<string, number>;
}

export function computeDetection(
  victims: readonly ConnectionSpec[],
  activity: FrozenActivity,
  observer: ExpiryObserver,
  model: ActivityModel,
  windowMs: number,
): DetectionResult {
  const windowNs = windowMs * 1e6;
  const delays: number[] = [];
  const single: number[] = [];
  const mux: number[] = [];
  const silences: number[] = [];
  const closeCodes: Record<string, number> = {};
  let silenced = 0;
  for (const spec of victims) {
    const connLast = activity.connectionLastWriteNs[spec.index];
    const connEnd = observer.connectionEndNs.get(spec.index);
    const code = observer.connectionCloseCode.get(spec.index);
    if (spec.clients === 1 && code !== undefined) closeCodes[code] = (closeCodes[code] ?? 0) + 1;
    for (const id of clientIdsOf(spec)) {
      silenced++;
      const last = spec.clients > 1 && model === 'client' ? activity.clientLastNamedNs[id] : connLast;
      const expired = observer.clientExpiredNs.get(id);
      const seen = expired === undefined ? connEnd : connEnd === undefined ? expired : Math.min(expired, connEnd);
      if (seen === undefined || last === undefined) continue;
      const delay = (seen - (last + windowNs)) / 1e6;
      delays.push(delay);
      (spec.clients === 1 ? single : mux).push(delay);
      silences.push((seen - last) / 1e6);
    }
  }
  return {
    windowMs,
    silenced,
    detected: delays.length,
    undetected: silenced - delays.length,
    early: delays.filter((d) => d < 0).length,
    delayMs: summarizeSigned(delays),
    absDelayMs: summarizeSigned(delays.map(Math.abs)),
    delayMsSingle: summarizeSigned(single),
    delayMsMux: summarizeSigned(mux),
    silenceBeforeCloseMs: summarizeSigned(silences),
    closeCodes,
  };
}
