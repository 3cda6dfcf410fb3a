import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built page: dist/src/dashboard/page/ (compiled from src/dashboard/page/ plus uPlot, by the build). */
export const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export interface PageFile {
  body: Buffer;
  contentType: string;
}

/**
 * The page's files, read once at start into memory (a few hundred KB), so
 * serving one is a map lookup and the page never touches the disk or the
 * network at run time. Only files of the known types are served (no source
 * maps, no declarations); names are flat, so no request can reach outside
 * the folder. An unbuilt package yields an empty map: /dashboard then
 * answers 503 with what to do.
 */
export function loadPageFiles(dir = PAGE_DIR): Map<string, PageFile> {
  const files = new Map<string, PageFile>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return files;
  }
  for (const name of names) {
    const contentType = CONTENT_TYPES[extname(name)];
    if (contentType !== undefined) files.set(name, { body: readFileSync(join(dir, name)), contentType });
  }
  return files;
}
