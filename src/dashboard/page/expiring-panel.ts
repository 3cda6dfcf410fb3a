import type { ClientRow } from '../wire.js';
import { cell, duration } from './format.js';

/** "About to expire": soonest deadline first (the server sorts and bounds the list). */
export function renderExpiring(root: HTMLElement, rows: readonly ClientRow[]): void {
  const body = root.querySelector('tbody');
  if (body === null) return;
  body.replaceChildren(
    ...rows.map((r) => {
      const tr = document.createElement('tr');
      tr.append(cell(r.client_id), cell(duration(r.last_seen_ms_ago)), cell(duration(r.deadline_in_ms)), cell(duration(r.timeout_ms)));
      return tr;
    }),
  );
  const empty = root.querySelector<HTMLElement>('.empty');
  if (empty !== null) empty.hidden = rows.length > 0;
}
