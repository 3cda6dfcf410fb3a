import os from 'node:os';
import { writeResultFile } from './results-dir.js';

/** Where and how a result was produced, so a figure in a JSON file can be judged later. */
export interface RunInfo {
  command: string;
  date: string;
  node: string;
  cpus: string;
  cpuCount: number;
}

export function runInfo(): RunInfo {
  const cpus = os.cpus();
  return {
    command: ['node', ...process.execArgv, ...process.argv.slice(1)].join(' '),
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus[0]?.model ?? 'unknown',
    cpuCount: cpus.length,
  };
}

/** Writes bench/results/<name>.json with the run info first; returns the path. */
export function writeResultsJson(name: string, results: object): string {
  return writeResultFile(name, 'json', `${JSON.stringify({ run: runInfo(), ...results }, null, 2)}\n`);
}
