import type { DetectionPanel } from '../wire.js';
import { count, setText } from './format.js';

/** The detection histogram: one bar per bucket, heights relative to the tallest; bars are made once and updated in place. */
export function renderDetection(root: HTMLElement, panel: DetectionPanel): void {
  const bars = root.querySelector<HTMLElement>('.bars');
  if (bars === null) return;
  if (bars.childElementCount !== panel.buckets.length) bars.replaceChildren(...panel.buckets.map(() => emptyBar()));
  const tallest = Math.max(1, ...panel.buckets.map((b) => b.count));
  let lower = 0;
  panel.buckets.forEach((bucket, i) => {
    const bar = bars.children[i] as HTMLElement;
    const label = bucket.le === null ? `>=${lower} ms` : bucket.le - lower === 1 ? `${lower} ms` : `${lower}-${bucket.le - 1} ms`;
    bar.title = `${label}: ${count(bucket.count)}`;
    bar.dataset.bucket = label;
    bar.dataset.count = String(bucket.count);
    const [n, fill, name] = Array.from(bar.children) as HTMLElement[];
    setText(n, bucket.count === 0 ? '' : count(bucket.count));
    const height = `${(bucket.count / tallest) * 85}%`;
    if (fill.style.height !== height) fill.style.height = height;
    setText(name, label.replace(' ms', ''));
    if (bucket.le !== null) lower = bucket.le;
  });
  const negative = root.querySelector<HTMLElement>('[data-k="negative"]');
  if (negative !== null) setText(negative, count(panel.negative));
}

/** A bar: its count, its fill, its label. */
function emptyBar(): HTMLElement {
  const bar = document.createElement('div');
  bar.className = 'bar';
  bar.append(document.createElement('em'), document.createElement('i'), document.createElement('em'));
  return bar;
}
