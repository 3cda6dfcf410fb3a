import type { ClusterAnswer, NodeView } from '../wire.js';
import { adminUrl } from './api.js';
import { count, duration, setText } from './format.js';

/** The nodes are read again this often while the page is visible (a lease renews every few seconds). */
const REFRESH_MS = 2000;

/**
 * "Cluster nodes" (with --redis): every gateway holding a lease, its
 * incarnation, address, the clients it reported at its latest renewal and
 * its lease (renewed how long ago, expiring when, or lapsed), from the
 * admin route GET /cluster (a handful of Redis reads per request, one
 * request at a time). The gateway that answered is in bold. Also fills the
 * overview's "nodes" card. Shown only when the stream's hello says the
 * gateway is clustered, so a lone gateway's page never asks.
 */
export class NodesPanel {
  private inFlight = false;
  private readonly body: HTMLTableSectionElement;
  private readonly state: HTMLElement;

  constructor(
    private readonly root: HTMLElement,
    private readonly card: HTMLElement | null,
  ) {
    this.body = root.querySelector('tbody') as HTMLTableSectionElement;
    this.state = root.querySelector('.state') as HTMLElement;
    root.hidden = false;
    card?.parentElement?.removeAttribute('hidden');
    setInterval(() => {
      if (document.visibilityState === 'visible') void this.load();
    }, REFRESH_MS);
    void this.load();
  }

  private async load(): Promise<void> {
    if (this.inFlight) return;
    this.inFlight = true;
    try {
      const res = await fetch(adminUrl('/cluster'));
      const body = (await res.json()) as ClusterAnswer | { error: string };
      if ('error' in body) throw new Error(body.error);
      this.render(body);
    } catch (error) {
      setText(this.state, `unavailable (${(error as Error).message})`);
    } finally {
      this.inFlight = false;
    }
  }

  private render(view: ClusterAnswer): void {
    const nodes = [...view.nodes].sort((a, b) => a.node_id.localeCompare(b.node_id) || a.incarnation.localeCompare(b.incarnation));
    this.body.replaceChildren(...nodes.map((node) => this.row(node, node.incarnation === view.self)));
    if (this.card !== null) setText(this.card, count(nodes.length));
    const reaping = view.reaping.length === 0 ? '' : `; declaring gone the clients of ${view.reaping.join(', ')}`;
    setText(this.state, `${count(nodes.length)} nodes, ${count(nodes.reduce((n, node) => n + node.clients, 0))} clients at their latest renewals${reaping}`);
  }

  private row(node: NodeView, self: boolean): HTMLTableRowElement {
    const tr = document.createElement('tr');
    tr.dataset.node = node.node_id;
    tr.dataset.incarnation = node.incarnation;
    if (self) tr.className = 'self';
    const lapsed = node.lease_expires_in_ms < 0;
    const lease = lapsed
      ? `lapsed ${duration(-node.lease_expires_in_ms)} ago`
      : `held: renewed ${duration(node.lease_age_ms)} ago, expires in ${duration(node.lease_expires_in_ms)}`;
    const texts = [self ? `${node.node_id} (this gateway)` : node.node_id, node.incarnation, node.address, count(node.clients), lease];
    for (const text of texts) {
      const td = document.createElement('td');
      setText(td, text);
      tr.append(td);
    }
    const leaseCell = tr.lastElementChild as HTMLElement;
    leaseCell.dataset.lease = lapsed ? 'lapsed' : 'held';
    if (lapsed) leaseCell.className = 'lapsed';
    return tr;
  }
}
