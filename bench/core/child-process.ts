import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs a compiled bench script in a fresh node and parses its one JSON line. */
export async function runJsonChild<T>(script: URL, nodeArgs: readonly string[], args: readonly string[]): Promise<T> {
  const { stdout } = await run(process.execPath, [...nodeArgs, script.pathname, ...args], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as T;
}
