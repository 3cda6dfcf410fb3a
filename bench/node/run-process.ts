import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export interface ProcessRun {
  wallMs: number;
  /** The child's own CPU time (user + system), reported by the preloaded cpu-report module. */
  cpuMs: number;
  exitCode: number | null;
  stderr: string;
}

/**
 * Runs `node <args>` with stdin read from `inputPath` and stdout written to
 * `outputPath` (a file, so no pipe reader on our side competes for the CPU),
 * and times it from spawn to exit.
 */
export function runWithFiles(args: readonly string[], inputPath: string, outputPath: string): Promise<ProcessRun> {
  const stdin = openSync(inputPath, 'r');
  const stdout = openSync(outputPath, 'w');
  const cpuFile = `${outputPath}.cpu.json`;
  const preload = new URL('./cpu-report.js', import.meta.url).href;
  const start = process.hrtime.bigint();
  const child = spawn(process.execPath, ['--import', preload, ...args], {
    stdio: [stdin, stdout, 'pipe'],
    env: { ...process.env, KEEPWATCH_BENCH_CPU_FILE: cpuFile },
  });
  closeSync(stdin);
  closeSync(stdout);
  let stderr = '';
  const errors = child.stderr;
  if (errors === null) throw new Error('stderr is piped, so it cannot be null');
  errors.setEncoding('utf8');
  errors.on('data', (text: string) => {
    if (stderr.length < 10_000) stderr += text;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode) => {
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
      const cpu = JSON.parse(readFileSync(cpuFile, 'utf8')) as { user: number; system: number };
      resolve({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000, exitCode, stderr });
    });
  });
}
