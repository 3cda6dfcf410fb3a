import { pyDumps, type PyValue } from './py-dumps.js';

/** A request line as a client writes it (compact JSON). */
export function req(body: Record<string, unknown>, src = 'c1', dest = 'n1'): string {
  return JSON.stringify({ src, dest, body });
}

export const INIT = req({ type: 'init', msg_id: 1, node_id: 'n1', node_ids: ['n1'] }, 'c0');

/** A reply line as the node must print it. */
export function reply(body: Record<string, PyValue>, dest = 'c1', src = 'n1'): string {
  return pyDumps({ src, dest, body });
}

/** The reply to INIT: init_ok, msg_id 0. */
export const INIT_OK = reply({ type: 'init_ok', in_reply_to: 1, msg_id: 0 }, 'c0');

/** Parses a reply line (for assertions on single fields). */
export function bodyOf(line: string): Record<string, unknown> {
  return (JSON.parse(line) as { body: Record<string, unknown> }).body;
}
