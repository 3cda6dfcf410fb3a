import { describe, expect, it } from 'vitest';
import { newSession } from '../helpers/node-session.js';
import { mulberry32 } from '../helpers/prng.js';

/**
 * A flat ka_register with a msg_id is applied and acknowledged without an
 * envelope (NodeSession.flatRegister, reply written as bytes). Its replies
 * must be those of the full path: the same requests with the body's keys
 * in an order the flat scanner declines (JSON.parse's path), including
 * refusals the full path reports (settings out of range, ids too long).
 */
const INIT = '{"src":"c0","dest":"n1","body":{"type":"init","node_id":"n1","node_ids":["n1"],"msg_id":1}}';

function registration(next: () => number, k: number, flat: boolean): string {
  const id = ['a', `client-${Math.floor(next() * 40)}`, 'x'.repeat(1 + Math.floor(next() * 300))][Math.floor(next() * 3)];
  const fields: string[] = [];
  const r = next();
  // Out of range now and then: 0, or above any DURATION_MAX_MS.
  if (r < 0.5) fields.push(`"timeout_ms":${next() < 0.1 ? 0 : 1 + Math.floor(next() * 90_000)}`);
  if (r > 0.3) fields.push(`"ping_interval_ms":${next() < 0.1 ? 10 ** 14 : 1 + Math.floor(next() * 9_000)}`);
  const body = flat
    ? ['"type":"ka_register"', `"client_id":"${id}"`, ...fields, `"msg_id":${k}`]
    : [...fields, '"type":"ka_register"', `"msg_id":${k}`, `"client_id":"${id}"`];
  return `{"src":"${id}","dest":"n1","body":{${body.join(',')}}}`;
}

describe('flat registrations', () => {
  it('are answered byte for byte as the full path answers the same requests', () => {
    const next = mulberry32(21);
    const flatLines = [INIT];
    const fullLines = [INIT];
    for (let k = 2; k < 2_000; k++) {
      const seed = Math.floor(next() * 2 ** 31);
      flatLines.push(registration(mulberry32(seed), k, true));
      fullLines.push(registration(mulberry32(seed), k, false));
      // A heartbeat between, to see the registrations took effect.
      const hb = `{"src":"c0","dest":"n1","body":{"type":"ka_heartbeat","client_id":"client-${k % 40}","msg_id":${k}}}`;
      flatLines.push(hb);
      fullLines.push(hb);
    }
    const outputs = [flatLines, fullLines].map((lines) => {
      const { session, output } = newSession();
      for (const line of lines) {
        const bytes = Buffer.from(line, 'latin1');
        session.handleLine(bytes, 0, bytes.length);
      }
      return output();
    });
    expect(outputs[0]).toContain('"type": "ka_register_ok"');
    expect(outputs[0]).toContain('"code": 12');
    expect(outputs[0]).toBe(outputs[1]);
  });
});
