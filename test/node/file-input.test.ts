import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileChunks } from '../../src/transports/node/file-input.js';
import { CLI_PATH, runNode } from '../helpers/run-node.js';

const dir = mkdtempSync(join(tmpdir(), 'keepwatch-file-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Reads `path` through a FileChunks of `chunkBytes`, pausing after the `pauseAt`-th chunk for a few turns. */
async function readAll(path: string, chunkBytes: number, pauseAt: number): Promise<{ bytes: Buffer; chunks: number; endings: number; whilePaused: number }> {
  const fd = openSync(path, 'r');
  const source = new FileChunks(fd, chunkBytes);
  const parts: Buffer[] = [];
  let endings = 0;
  let whilePaused = 0;
  let paused = false;
  const ended = new Promise<void>((resolve, reject) => {
    source.once('end', () => {
      endings++;
      resolve();
    });
    source.once('error', reject);
  });
  source.on('data', (chunk: Buffer) => {
    if (paused) whilePaused++;
    // The buffer is reused: the chunk is only valid now.
    parts.push(Buffer.from(chunk));
    if (parts.length === pauseAt) {
      paused = true;
      source.pause();
      void (async () => {
        for (let i = 0; i < 5; i++) await turn();
        paused = false;
        source.resume();
      })();
    }
  });
  await ended;
  for (let i = 0; i < 3; i++) await turn();
  closeSync(fd);
  return { bytes: Buffer.concat(parts), chunks: parts.length, endings, whilePaused };
}

describe('FileChunks (stdin read from a regular file)', () => {
  it('hands out the whole file in order, chunk by chunk in one reused buffer, ends once, and holds while paused', async () => {
    const path = join(dir, 'bytes.bin');
    const content = Buffer.from(Array.from({ length: 10_007 }, (_, i) => (i * 7919) % 251));
    writeFileSync(path, content);
    const run = await readAll(path, 1000, 3);
    expect(run.bytes.equals(content)).toBe(true);
    expect(run.chunks).toBe(11);
    expect(run.endings).toBe(1);
    expect(run.whilePaused).toBe(0);
  });

  it('ends at once on an empty file', async () => {
    const path = join(dir, 'empty.bin');
    writeFileSync(path, '');
    const run = await readAll(path, 1000, 1);
    expect(run.chunks).toBe(0);
    expect(run.endings).toBe(1);
  });
});

/** `keepwatch node` with stdin opened on `path` (a regular file), stdout collected. */
function runWithFileStdin(path: string): Promise<{ stdout: Buffer; code: number | null }> {
  const fd = openSync(path, 'r');
  const child = spawn(process.execPath, [CLI_PATH, 'node'], { stdio: [fd, 'pipe', 'ignore'] });
  closeSync(fd);
  const out: Buffer[] = [];
  const stdout = child.stdout;
  if (stdout === null) throw new Error('stdout is piped, so it cannot be null');
  stdout.on('data', (b: Buffer) => out.push(b));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ stdout: Buffer.concat(out), code }));
  });
}

describe('keepwatch node with stdin a regular file', () => {
  it('replies byte for byte as with stdin a pipe, on an input of several read chunks (lines cut at their edges)', async () => {
    const lines = ['{"src":"c0","dest":"n1","body":{"type":"init","node_id":"n1","node_ids":["n1"],"msg_id":1}}'];
    let msgId = 2;
    for (let i = 0; i < 400; i++) lines.push(`{"src":"c${i}","dest":"n1","body":{"type":"ka_register","client_id":"c${i}","timeout_ms":${1000 + i},"msg_id":${msgId++}}}`);
    for (let k = 0; k < 3000; k++) {
      const id = `c${(k * 37) % 450}`;
      lines.push(`{"src":"${id}","dest":"n1","body":{"type":"ka_heartbeat","client_id":"${id}"${k % 50 === 0 ? '' : `,"msg_id":${msgId++}`}}}`);
      if (k % 700 === 0) lines.push(`{"src":"c0","dest":"n1","body":{"type":"ka_check","current_time_ms":${k},"msg_id":${msgId++}}}`);
    }
    lines.push(`{"src":"c0","dest":"n1","body":{"type":"ka_status","msg_id":${msgId++}}}`);
    const input = lines.join('\n') + '\n';
    expect(input.length).toBeGreaterThan(3 * 65536);
    const path = join(dir, 'requests.jsonl');
    writeFileSync(path, input);

    const fromFile = await runWithFileStdin(path);
    const fromPipe = await runNode(input);
    expect(fromFile.code).toBe(0);
    expect(fromPipe.code).toBe(0);
    expect(fromPipe.lines.length).toBeGreaterThan(3000);
    expect(fromFile.stdout.equals(fromPipe.stdout)).toBe(true);
  });
});
