import type { Tick } from '../wire.js';
import { count } from './format.js';

/** The figure cards: the latest tick's values. */
export function renderOverview(root: HTMLElement, tick: Tick): void {
  const set = (key: string, text: string): void => {
    const el = root.querySelector<HTMLElement>(`[data-k="${key}"]`);
    if (el !== null) el.textContent = text;
  };
  set('connections', count(tick.connections));
  set('clients', count(tick.clients));
  set('pinged', count(tick.pinged));
  set('threads', tick.threads === 0 ? 'main' : count(tick.threads));
  // Every thread's figures are summed; a thread that did not answer this second is missing from them: say so.
  const reporting = tick.io_threads_reporting ?? tick.io_threads;
  set('io-threads', reporting === tick.io_threads ? count(tick.io_threads) : `${count(tick.io_threads)} (${count(reporting)} answered)`);
  set('heartbeats', count(tick.heartbeats_per_s));
  set('pings', count(tick.pings_per_s));
  set('expired-closed', count(tick.expiries_per_s.closed));
  set('expired-notified', count(tick.expiries_per_s.notified));
  set('lag', tick.loop_lag_ms === null ? '-' : `${tick.loop_lag_ms.mean} / ${tick.loop_lag_ms.max}`);
}
