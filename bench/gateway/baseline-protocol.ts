/**
 * The baselines' minimal version of the protocol: they know connections, not
 * client_ids, so any frame is activity for the connection; a request with a
 * msg_id gets `<type>_ok` so the load tool's register and burst counting work
 * unchanged. Anything else is ignored (a baseline is not a validator).
 */
export function baselineReply(text: string): string | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null) return null;
  const { type, msg_id: msgId } = body as { type?: unknown; msg_id?: unknown };
  if (typeof type !== 'string' || typeof msgId !== 'number') return null;
  return `{"type": ${JSON.stringify(`${type}_ok`)}, "in_reply_to": ${msgId}}`;
}
