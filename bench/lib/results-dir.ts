import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * bench/results/ in the source tree, whether this runs from dist/bench/lib
 * (compiled) or bench/lib (a TS loader): the first ancestor holding package.json.
 */
export function resultsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (dir.endsWith('/dist')) return resolve(dir, '..', 'bench', 'results');
    dir = dirname(dir);
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', 'results');
}

/** Writes bench/results/<name>.<ext>; returns the path written. */
export function writeResultFile(name: string, ext: string, text: string): string {
  const dir = resultsDir();
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.${ext}`);
  writeFileSync(path, text);
  return path;
}
