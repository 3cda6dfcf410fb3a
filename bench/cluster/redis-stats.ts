import type { RedisServer } from '../../test/helpers/redis-servers.js';

export interface RedisCounters {
  commands: number;
  cpuSeconds: number;
}

/** Commands processed and CPU seconds (user + sys) summed over the masters, from INFO. */
export function readCounters(masters: readonly RedisServer[]): RedisCounters {
  let commands = 0;
  let cpuSeconds = 0;
  for (const m of masters) {
    const info = m.cli('info', 'all');
    commands += field(info, 'total_commands_processed');
    cpuSeconds += field(info, 'used_cpu_user') + field(info, 'used_cpu_sys');
  }
  return { commands, cpuSeconds };
}

/** Commands per script/command name over the masters (INFO commandstats), to say what the load is made of. */
export function commandMix(masters: readonly RedisServer[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of masters) {
    for (const line of m.cli('info', 'commandstats').split('\n')) {
      const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
      if (match) out.set(match[1], (out.get(match[1]) ?? 0) + Number(match[2]));
    }
  }
  return out;
}

function field(info: string, name: string): number {
  const match = new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info);
  return match === null ? 0 : Number(match[1]);
}
