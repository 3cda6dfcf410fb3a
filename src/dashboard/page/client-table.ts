import type { ClientPage, ClientRow } from '../wire.js';
import { apiUrl } from './api.js';
import { count, duration, roundTrip, setText } from './format.js';

const PAGE_ROWS = 50;
/** The table refreshes this often while the page is visible (new clients show within it plus one round trip). */
const REFRESH_MS = 1000;

/**
 * The client table. The gateway searches, sorts and pages (the page never
 * holds more than PAGE_ROWS rows, whatever the number of clients); the page
 * asks again every REFRESH_MS, one request at a time.
 */
export class ClientTable {
  private offset = 0;
  private matched = 0;
  private inFlight = false;
  private again = false;
  private readonly body: HTMLTableSectionElement;
  private readonly search: HTMLInputElement;
  private readonly order: HTMLSelectElement;
  private readonly info: HTMLElement;

  constructor(private readonly root: HTMLElement) {
    this.body = root.querySelector('tbody') as HTMLTableSectionElement;
    this.search = root.querySelector('#search') as HTMLInputElement;
    this.order = root.querySelector('#order') as HTMLSelectElement;
    this.info = root.querySelector('#page-info') as HTMLElement;
    this.search.addEventListener('input', () => this.goTo(0));
    this.order.addEventListener('change', () => this.goTo(0));
    this.button('#first', () => this.goTo(0));
    this.button('#prev', () => this.goTo(this.offset - PAGE_ROWS));
    this.button('#next', () => this.goTo(this.offset + PAGE_ROWS));
    this.button('#last', () => this.goTo(Math.floor(Math.max(0, this.matched - 1) / PAGE_ROWS) * PAGE_ROWS));
    this.body.addEventListener('click', (event) => {
      const target = event.target as HTMLElement;
      const id = target.closest<HTMLElement>('button.kick')?.dataset.client;
      if (id !== undefined) void this.kick(id);
    });
    setInterval(() => {
      if (document.visibilityState === 'visible') void this.load();
    }, REFRESH_MS);
    void this.load();
  }

  private button(selector: string, onClick: () => void): void {
    this.root.querySelector(selector)?.addEventListener('click', onClick);
  }

  private goTo(offset: number): void {
    this.offset = Math.max(0, Math.min(offset, Math.floor(Math.max(0, this.matched - 1) / PAGE_ROWS) * PAGE_ROWS));
    void this.load();
  }

  /** Fetches the current page; a request asked for while one is out runs right after it. */
  private async load(): Promise<void> {
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = true;
    const prefix = this.search.value;
    const asked = { prefix, order: this.order.value, offset: this.offset, limit: PAGE_ROWS };
    try {
      const res = await fetch(apiUrl('clients', asked));
      if (!res.ok) throw new Error(`clients: HTTP ${res.status}`);
      const page = (await res.json()) as ClientPage;
      // The user moved on while this was out (the next request is queued): drop the stale answer.
      if (asked.prefix !== this.search.value || asked.order !== this.order.value || asked.offset !== this.offset) return;
      this.matched = page.matched;
      this.offset = page.offset;
      // The page as shown, for tests and for the eye: which search it answers.
      this.root.dataset.prefix = prefix;
      this.render(page);
    } catch (error) {
      this.info.textContent = `unavailable (${(error as Error).message})`;
    } finally {
      this.inFlight = false;
      if (this.again) {
        this.again = false;
        void this.load();
      }
    }
  }

  private render(page: ClientPage): void {
    const last = Math.min(page.matched, page.offset + page.rows.length);
    this.info.textContent =
      page.matched === 0 ? `no clients (of ${count(page.total)})` : `${count(page.offset + 1)}-${count(last)} of ${count(page.matched)}` + (page.matched !== page.total ? ` (of ${count(page.total)})` : '');
    this.show(page.rows);
  }

  /**
   * Draws the rows into the table's existing <tr>s, changing only the
   * cells whose text changed: a refresh a second then re-lays out a few
   * cells (the "last seen" column), not 50 new rows, which made every
   * refresh a full layout of the page (bench:dashboard's trace).
   */
  private show(rows: readonly ClientRow[]): void {
    while (this.body.rows.length > rows.length) this.body.lastElementChild?.remove();
    while (this.body.rows.length < rows.length) this.body.append(this.emptyRow());
    rows.forEach((r, i) => {
      const tr = this.body.rows[i];
      if (tr.dataset.client !== r.client_id) tr.dataset.client = r.client_id;
      const owner = [`conn ${r.connection}`, r.thread !== undefined ? `thread ${r.thread}` : '', r.node !== undefined ? `node ${r.node}` : ''].filter((s) => s !== '').join(', ');
      const texts = [
        r.client_id,
        `${duration(r.last_seen_ms_ago)} ago${r.pinged ? ' (pinged)' : ''}`,
        duration(r.timeout_ms),
        duration(r.ping_interval_ms),
        r.rtt_ms === null ? '-' : `${roundTrip(r.rtt_ms)} (srtt ${roundTrip(r.srtt_ms)})`,
        owner,
      ];
      texts.forEach((text, c) => setText(tr.cells[c], text));
      const kick = tr.cells[texts.length].firstElementChild as HTMLButtonElement;
      if (kick.dataset.client !== r.client_id) kick.dataset.client = r.client_id;
    });
  }

  /** A row of six text cells and the kick button. */
  private emptyRow(): HTMLTableRowElement {
    const tr = document.createElement('tr');
    for (let c = 0; c < 6; c++) tr.append(document.createElement('td'));
    const kick = document.createElement('button');
    kick.type = 'button';
    kick.className = 'kick';
    kick.textContent = 'kick';
    const action = document.createElement('td');
    action.append(kick);
    tr.append(action);
    return tr;
  }

  private async kick(clientId: string): Promise<void> {
    if (!confirm(`Kick ${clientId}? Its connection is closed (code 4006), with every client on it.`)) return;
    const res = await fetch(apiUrl('kick', { client_id: clientId }), { method: 'POST' });
    this.info.textContent = res.ok ? `kicked ${clientId}` : `kick failed: HTTP ${res.status}`;
    void this.load();
  }
}
