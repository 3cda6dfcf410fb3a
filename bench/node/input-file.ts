import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { permutation, randomUnit } from '../core/client-ids.js';
import { makePopulation, NODE_INPUT_MIX, type NodeInputMix, type ProfileName } from '../core/profiles.js';

export interface InputShape {
  clients: number;
  heartbeats: number;
  checks: number;
}

export const DEFAULT_SHAPE: InputShape = { clients: 100_000, heartbeats: 1_000_000, checks: 20 };

/** Lines buffered and written 10,000 at a time, with backpressure. */
class LineWriter {
  lines = 0;
  private buffer: string[] = [];

  constructor(private readonly out: WriteStream) {}

  async line(text: string): Promise<void> {
    this.buffer.push(text);
    this.lines++;
    if (this.buffer.length >= 10_000) {
      if (!this.out.write(this.buffer.join('\n') + '\n')) await once(this.out, 'drain');
      this.buffer = [];
    }
  }

  async end(): Promise<number> {
    this.out.end(this.buffer.join('\n') + '\n');
    await once(this.out, 'finish');
    return this.lines;
  }
}

/**
 * The throughput bench's input for a profile (see NODE_INPUT_MIX in
 * core/profiles.ts); returns the number of lines. Seeded: the same shape
 * and profile give the same bytes.
 */
export async function writeInputFile(path: string, shape: InputShape = DEFAULT_SHAPE, profile: ProfileName = 'uniform'): Promise<number> {
  const writer = new LineWriter(createWriteStream(path));
  if (profile === 'uniform') await writeUniform(writer, shape);
  else await writeMixed(writer, shape, profile, NODE_INPUT_MIX[profile]);
  return writer.end();
}

/**
 * Uniform: init, `clients` registrations, then `checks` phases of
 * heartbeats each ending with a ka_check one second later, then a
 * ka_status. One client in 100 per check belongs to that check's group:
 * registered with timeout check*1000-1 ms and never heard from again, it
 * expires at exactly that check (about 1% each). The others keep the
 * default 30 s timeout and heartbeat round-robin; none expires. Every
 * request carries a msg_id, so every line gets a reply.
 */
async function writeUniform(w: LineWriter, shape: InputShape): Promise<void> {
  let msgId = 1;
  const emit = (body: string): Promise<void> => w.line(`{"src":"c0","dest":"n1","body":{${body},"msg_id":${msgId++}}}`);
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
}

/**
 * Tiers and realistic: registrations (shuffled for realistic), then
 * heartbeats to uniformly random clients in `checks` phases, each closed by
 * a ka_check `checkEveryMs` later, then a ka_status. Clients that happen to
 * go unheard for longer than their timeout expire and their later
 * heartbeats get error 20, as do the heartbeats for never-registered ids.
 */
async function writeMixed(w: LineWriter, shape: InputShape, profile: ProfileName, mix: NodeInputMix): Promise<void> {
  const random = randomUnit(0xc0ffee);
  const between = ([lo, hi]: readonly [number, number]): number => lo + Math.floor(random() * (hi - lo + 1));
  const population = makePopulation(profile, shape.clients);
  let msgId = 1;
  const emit = (src: string, body: string, answered = true): Promise<void> =>
    w.line(`{"src":"${mix.srcIsClient ? src : 'c0'}","dest":"n1","body":{${body}${answered ? `,"msg_id":${msgId++}` : ''}}}`);

  await emit('c0', '"type":"init","node_id":"n1","node_ids":["n1"]');
  const order = profile === 'realistic' ? permutation(shape.clients, 0xfeed) : population.registrationOrder;
  for (const i of order) {
    const id = `client-${i}`;
    if (random() >= mix.ownSettingsShare) {
      await emit(id, `"type":"ka_register","client_id":"${id}"`);
    } else if (profile === 'tiers') {
      await emit(id, `"type":"ka_register","client_id":"${id}","timeout_ms":${population.timeoutMs[i]},"ping_interval_ms":${population.periodMs[i]}`);
    } else {
      await emit(id, `"type":"ka_register","client_id":"${id}","timeout_ms":${between(mix.ownTimeoutMs)},"ping_interval_ms":${between(mix.ownPingIntervalMs)}`);
    }
  }
  for (let check = 1; check <= shape.checks; check++) {
    const beats = Math.floor((shape.heartbeats * check) / shape.checks) - Math.floor((shape.heartbeats * (check - 1)) / shape.checks);
    for (let b = 0; b < beats; b++) {
      // Unknown ids are numbered past the population: never registered.
      const unknown = random() < mix.unknownHeartbeatShare;
      const id = `client-${unknown ? shape.clients + Math.floor(random() * shape.clients) : Math.floor(random() * shape.clients)}`;
      await emit(id, `"type":"ka_heartbeat","client_id":"${id}"`, random() >= mix.noMsgIdShare);
    }
    await emit('c0', `"type":"ka_check","current_time_ms":${check * mix.checkEveryMs}`);
  }
  await emit('c0', '"type":"ka_status"');
}
