/** A terminal table: first column left-aligned (names), the rest right-aligned (figures). */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(headers), rule, ...rows.map((r) => line(headers.map((_, i) => r[i] ?? '')))].join('\n');
}

export function printTable(title: string, headers: readonly string[], rows: readonly (readonly string[])[]): void {
  process.stdout.write(`\n${title}\n${formatTable(headers, rows)}\n`);
}
