import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Builds scripts/load/native/<name>.c into build/native/<name> (git-ignored)
 * with the machine's C compiler, on first use and again whenever the source
 * is newer than the binary. Works from the TypeScript sources (vitest) and
 * from dist/ (the benchmarks): the repository root is found by walking up
 * to package.json. Concurrent builds (a test and a benchmark) each compile
 * to their own file and rename it into place, so nobody runs half a binary.
 */
export function nativeBinary(name: string): string {
  const root = repoRoot();
  const source = path.join(root, 'scripts', 'load', 'native', `${name}.c`);
  const binary = path.join(root, 'build', 'native', name);
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return binary;
  mkdirSync(path.dirname(binary), { recursive: true });
  const compiler = findCompiler();
  const partial = `${binary}.${process.pid}.tmp`;
  try {
    execFileSync(compiler, ['-O2', '-std=c11', '-o', partial, source], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString('utf8') ?? String(err);
    throw new Error(`${compiler} could not build ${source}:\n${stderr}`);
  }
  renameSync(partial, binary);
  return binary;
}

/** $CC, else cc, else gcc: the first that runs; without one, an error that says what to do. */
export function findCompiler(candidates: readonly string[] = [process.env.CC ?? '', 'cc', 'gcc'].filter((c) => c !== '')): string {
  for (const c of candidates) {
    try {
      execFileSync(c, ['--version'], { stdio: 'ignore' });
      return c;
    } catch {
      // not installed or not runnable: try the next
    }
  }
  throw new Error(
    `no C compiler found (tried ${candidates.join(', ')}): the native load tool (scripts/load/native/ws-burst.c) needs one; ` +
      'install gcc (apt-get install gcc), or run the benchmark with --load-tool js',
  );
}

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'scripts', 'load', 'native'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no repository root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}
