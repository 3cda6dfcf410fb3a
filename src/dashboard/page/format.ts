/** Display formats shared by the panels. */
export function count(n: number): string {
  return (counts ??= new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 })).format(n);
}

/**
 * One formatter for every count: toLocaleString with options builds a new
 * Intl.NumberFormat per call (ICU set-up each time), which a CPU profile of
 * the page showed as its costliest function (33-87 ms of a load).
 */
let counts: Intl.NumberFormat | undefined;

/** 950 ms, 12.3 s, 4 min 10 s. */
export function duration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const a = Math.abs(ms);
  if (a < 1000) return `${sign}${Math.round(a)} ms`;
  if (a < 60_000) return `${sign}${(a / 1000).toFixed(1)} s`;
  return `${sign}${Math.floor(a / 60_000)} min ${Math.round((a % 60_000) / 1000)} s`;
}

/** A round trip: 0.42 ms, 12.3 ms, 250 ms, 1.2 s ('-' until measured). */
export function roundTrip(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  return duration(ms);
}

export function clockTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

/** A table cell with text (never HTML: client ids are the clients' own strings). */
export function cell(text: string): HTMLTableCellElement {
  const td = document.createElement('td');
  setText(td, text);
  return td;
}

/** Sets an element's text (and title) only if it changed: an unchanged cell costs the next layout nothing. */
export function setText(el: HTMLElement, text: string): void {
  if (el.textContent === text) return;
  el.textContent = text;
  el.title = text;
}
