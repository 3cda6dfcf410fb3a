import { StringDecoder } from 'node:string_decoder';

/**
 * The reference nodes' stdin/stdout loop, as lean as Node allows: decode
 * each chunk, split it into lines, hand each complete line to `handle`
 * (which pushes its reply lines), write one chunk's replies in one write,
 * pause input while stdout is congested. Same batching as keepwatch's node.
 */
export function serveLines(handle: (line: string, replies: string[]) => void): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  let replies: string[] = [];
  const input = process.stdin;
  const output = process.stdout;

  const flush = (): void => {
    if (replies.length === 0) return;
    const ok = output.write(replies.join('\n') + '\n');
    replies = [];
    if (!ok) {
      input.pause();
      output.once('drain', () => input.resume());
    }
  };

  return new Promise((resolve, reject) => {
    input.on('data', (chunk: Buffer) => {
      const lines = (partial + decoder.write(chunk)).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.length > 0) handle(line, replies);
      flush();
    });
    input.once('end', () => {
      const last = partial + decoder.end();
      if (last.length > 0) handle(last, replies);
      flush();
      output.write('', () => resolve());
    });
    input.once('error', reject);
  });
}
