/**
 * Build step: puts the dashboard page's static files next to its compiled
 * scripts (dist/src/dashboard/page/), where the gateway serves them from:
 * the HTML and CSS from src/dashboard/page/, and uPlot's ES module and
 * stylesheet from node_modules, so the page needs no CDN and nothing at
 * run time. Run by `npm run build` after both TypeScript passes.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const out = join(root, 'dist/src/dashboard/page');
const source = join(root, 'src/dashboard/page');
const uplot = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');

mkdirSync(out, { recursive: true });
for (const name of ['index.html', 'dashboard.css']) copyFileSync(join(source, name), join(out, name));
copyFileSync(join(uplot, 'uPlot.esm.js'), join(out, 'uPlot.esm.js'));
copyFileSync(join(uplot, 'uPlot.min.css'), join(out, 'uPlot.min.css'));
