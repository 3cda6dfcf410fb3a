/**
 * The dashboard page: one server-sent event stream (a `hello` with the last
 * minutes, then a `tick` a second) feeds the cards, charts, detection
 * panel, "about to expire" and the live feed; the client table pages
 * through its own API, and a clustered gateway's nodes come from /cluster. Nothing is fetched from anywhere but the gateway.
 */
import type { HelloMessage, TickMessage } from '../wire.js';
import { apiUrl } from './api.js';
import { Charts } from './charts.js';
import { ClientTable } from './client-table.js';
import { renderDetection } from './detection-panel.js';
import { renderExpiring } from './expiring-panel.js';
import { addFeed } from './feed-panel.js';
import { NodesPanel } from './nodes-panel.js';
import { renderOverview } from './overview.js';

function element(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`the page has no #${id}`);
  return el;
}

const overview = element('overview');
const detection = element('detection');
const expiring = element('expiring');
const feed = element('feed');
const link = element('link');
const charts = new Charts(element('charts'));
new ClientTable(element('clients'));
let nodes: NodesPanel | undefined;

const stream = new EventSource(apiUrl('stream'));
stream.onopen = () => {
  link.textContent = 'live';
  link.className = 'link up';
};
stream.onerror = () => {
  // EventSource reconnects by itself; the badge says it is not live meanwhile.
  link.textContent = 'reconnecting';
  link.className = 'link down';
};
stream.addEventListener('hello', (event) => {
  const hello = JSON.parse((event as MessageEvent<string>).data) as HelloMessage;
  if (hello.clustered && nodes === undefined) nodes = new NodesPanel(element('nodes'), overview.querySelector<HTMLElement>('[data-k="nodes"]'));
  const latest = hello.history[hello.history.length - 1];
  if (latest !== undefined) renderOverview(overview, latest);
  charts.replace(hello.history);
  renderDetection(detection, hello.detection);
  renderExpiring(expiring, hello.expiring);
  addFeed(feed, hello.feed, 0);
  document.body.dataset.ready = 'true';
});
stream.addEventListener('tick', (event) => {
  const message = JSON.parse((event as MessageEvent<string>).data) as TickMessage;
  renderOverview(overview, message.tick);
  charts.add([message.tick]);
  renderDetection(detection, message.detection);
  renderExpiring(expiring, message.expiring);
  addFeed(feed, message.tick.feed, message.tick.feed_seen);
});
