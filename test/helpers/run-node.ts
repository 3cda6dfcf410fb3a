import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built CLI (`npm test` builds first). */
export const CLI_PATH = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

export interface NodeRun {
  /** Raw stdout bytes. */
  stdout: Buffer;
  /** stdout split into lines (the final newline does not make an empty line). */
  lines: string[];
  /** stderr split into lines. */
  errLines: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunOptions {
  /** Extra CLI arguments after `node`, e.g. ['--shards', '4']. */
  args?: string[];
  /** Kill the process (by its PID) if it has not exited by then. */
  timeoutMs?: number;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Runs `keepwatch <argv>` with `input` on stdin, closes stdin, waits for exit. */
export function runCli(argv: string[], input: string | Buffer, timeoutMs = 20_000): Promise<NodeRun> {
  if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run 'npm run build' first`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...argv], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`keepwatch ${argv.join(' ')} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out);
      resolve({
        stdout,
        lines: splitLines(stdout.toString('utf8')),
        errLines: splitLines(Buffer.concat(err).toString('utf8')),
        code,
        signal,
      });
    });
    // The node may exit (or fail) before reading everything; that is for the test to judge.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** Runs `keepwatch node [args]` with `lines` (each followed by "\n") on stdin. */
export function runNode(input: readonly string[] | string | Buffer, options: RunOptions = {}): Promise<NodeRun> {
  const data = typeof input === 'string' || Buffer.isBuffer(input) ? input : input.map((l) => l + '\n').join('');
  return runCli(['node', ...(options.args ?? [])], data, options.timeoutMs);
}
