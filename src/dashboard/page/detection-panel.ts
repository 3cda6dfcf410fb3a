import type { DetectionPanel } from '../wire.js';
import { count } from './format.js';

/** The detection histogram: one bar per bucket, heights relative to the tallest. */
export function renderDetection(root: HTMLElement, panel: DetectionPanel): void {
  const bars = root.querySelector<HTMLElement>('.bars');
  if (bars === null) return;
  const tallest = Math.max(1, ...panel.buckets.map((b) => b.count));
  let lower = 0;
  const nodes = panel.buckets.map((bucket) => {
    const bar = document.createElement('div');
    bar.className = 'bar';
    const label = bucket.le === null ? `>=${lower} ms` : bucket.le - lower === 1 ? `${lower} ms` : `${lower}-${bucket.le - 1} ms`;
    bar.title = `${label}: ${count(bucket.count)}`;
    bar.dataset.bucket = label;
    bar.dataset.count = String(bucket.count);
    const n = document.createElement('em');
    n.textContent = bucket.count === 0 ? '' : count(bucket.count);
    const fill = document.createElement('i');
    fill.style.height = `${(bucket.count / tallest) * 85}%`;
    const name = document.createElement('em');
    name.textContent = label.replace(' ms', '');
    bar.append(n, fill, name);
    if (bucket.le !== null) lower = bucket.le;
    return bar;
  });
  bars.replaceChildren(...nodes);
  const negative = root.querySelector<HTMLElement>('[data-k="negative"]');
  if (negative !== null) negative.textContent = count(panel.negative);
}
