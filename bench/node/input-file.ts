import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export interface InputShape {
  clients: number;
  heartbeats: number;
  checks: number;
}

export const DEFAULT_SHAPE: InputShape = { clients: 100_000, heartbeats: 1_000_000, checks: 20 };

/**
 * The throughput bench's input: init, `clients` registrations, then
 * `checks` phases of heartbeats each ending with a ka_check one second
 * later, then a ka_status. One client in 100 per check belongs to that
 * check's group: registered with timeout check*1000-1 ms and never heard
 * from again, it expires at exactly that check (about 1% each). The others
 * keep the default 30 s timeout and heartbeat round-robin; none expires.
 * Every request carries a msg_id, so every line gets a reply.
 */
export async function writeInputFile(path: string, shape: InputShape = DEFAULT_SHAPE): Promise<number> {
  const out = createWriteStream(path);
  let lines = 0;
  let msgId = 1;
  let buffer: string[] = [];
  const emit = async (body: string): Promise<void> => {
    buffer.push(`{"src":"c0","dest":"n1","body":{${body},"msg_id":${msgId++}}}`);
    lines++;
    if (buffer.length >= 10_000) {
      if (!out.write(buffer.join('\n') + '\n')) await once(out, 'drain');
      buffer = [];
    }
  };
  const groupOf = (i: number): number => (i % 100 < shape.checks ? (i % 100) + 1 : 0);

  await emit('"type":"init","node_id":"n1","node_ids":["n1"]');
  const steady: number[] = [];
  for (let i = 0; i < shape.clients; i++) {
    const group = groupOf(i);
    if (group === 0) {
      steady.push(i);
      await emit(`"type":"ka_register","client_id":"c${i}"`);
    } else {
      await emit(`"type":"ka_register","client_id":"c${i}","timeout_ms":${group * 1000 - 1},"ping_interval_ms":${group * 500}`);
    }
  }
  let next = 0;
  for (let check = 1; check <= shape.checks; check++) {
    const beats = Math.floor((shape.heartbeats * check) / shape.checks) - Math.floor((shape.heartbeats * (check - 1)) / shape.checks);
    for (let b = 0; b < beats; b++, next++) await emit(`"type":"ka_heartbeat","client_id":"c${steady[next % steady.length]}"`);
    await emit(`"type":"ka_check","current_time_ms":${check * 1000}`);
  }
  await emit('"type":"ka_status"');
  out.end(buffer.join('\n') + '\n');
  await once(out, 'finish');
  return lines;
}
