/**
 * The floor of the node-throughput bench: reads the same lines, JSON.parses
 * each, and writes one fixed reply line per request. No state, no
 * validation, no encoding: the fastest any Node implementation of the
 * stdio transport that parses its input can be.
 */
import { serveLines } from './serve-lines.js';

const REPLY = '{"src": "n1", "dest": "c0", "body": {"type": "ok", "in_reply_to": 0, "msg_id": 0}}';

let parsed = 0;
await serveLines((line, replies) => {
  // Touch the result so the parse cannot be optimised away.
  if ((JSON.parse(line) as { body?: unknown }).body !== undefined) parsed++;
  replies.push(REPLY);
});
process.stderr.write(`floor: ${parsed} lines parsed\n`);
