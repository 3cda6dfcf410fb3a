import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs a compiled bench script in a fresh node and parses its one JSON line. */
export async function runJsonChild<T>(script: URL, nodeArgs: readonly string[], args: readonly string[]): Promise<T> {
  const { stdout } = await run(process.execPath, [...nodeArgs, script.pathname, ...args], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as T;
}

/**
 * As runJsonChild, for a long child: its stderr (progress lines) passes
 * through as it comes, its stdout is the JSON.
 */
export function runJsonChildLive<T>(script: URL, args: readonly string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script.pathname, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${script.pathname} ${args.join(' ')} exited with ${code}`));
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T);
      } catch (err) {
        reject(err);
      }
    });
  });
}
