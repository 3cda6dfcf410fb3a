import type { FeedEvent } from '../wire.js';
import { clockTime, count } from './format.js';

/** Rows the feed keeps in the page; older ones are removed as new ones come. */
const MAX_ROWS = 200;

/** The live feed: newest first, bounded to MAX_ROWS. */
export function addFeed(root: HTMLElement, events: readonly FeedEvent[], seen: number): void {
  const list = root.querySelector('.events');
  if (list === null) return;
  const seenLine = root.querySelector<HTMLElement>('.seen');
  if (seenLine !== null && seen > events.length) seenLine.textContent = `last second: ${count(seen)} events, ${events.length} shown`;
  for (const e of events) {
    const li = document.createElement('li');
    li.className = e.kind;
    li.dataset.client = e.clientId ?? '';
    const kind = document.createElement('b');
    kind.textContent = e.kind;
    const who = e.clientId !== undefined ? `client ${e.clientId}` : `connection ${e.connection ?? '?'}`;
    const late = e.delayMs !== undefined ? `, ${e.delayMs} ms after its deadline` : '';
    li.append(`${clockTime(e.at)} `, kind, ` ${who}: ${e.reason}${late}`);
    list.prepend(li);
  }
  while (list.childElementCount > MAX_ROWS) list.lastElementChild?.remove();
}
