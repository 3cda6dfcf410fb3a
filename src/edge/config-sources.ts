import { readFileSync } from 'node:fs';
import { FlagError, parseFlags, type ParsedFlags } from '../cli/parse-flags.js';

type FlagSpec = Parameters<typeof parseFlags>[1];

/** The environment variable for a flag: --max-message-rate -> KEEPWATCH_MAX_MESSAGE_RATE. */
export function envName(flag: string): string {
  return `KEEPWATCH_${flag.toUpperCase().replace(/-/g, '_')}`;
}

/** Flags that are not settings: never read from a file or the environment. */
const NOT_SETTINGS = new Set(['help', 'config']);

/**
 * Parses a command's flags with two more sources under them: a JSON
 * config file (`--config FILE`, or KEEPWATCH_CONFIG) whose keys are flag
 * names, and KEEPWATCH_* environment variables named after the flags.
 * Precedence: flags, then the environment, then the file, then defaults.
 * Both are turned into flags placed before the command line's, and
 * parseArgs keeps the last value of a flag: one parser, one set of checks
 * and messages for every source. A boolean can only be switched on from a
 * file or the environment (true / 1). Unknown keys in the file, or values
 * of the wrong kind, are errors naming the key; unknown KEEPWATCH_*
 * variables are ignored (other tools may share the prefix).
 */
export function parseWithSources<T extends FlagSpec>(args: readonly string[], env: NodeJS.ProcessEnv, spec: T): ParsedFlags<T> {
  const cli = parseFlags(args, spec) as Record<string, unknown>;
  const configFile = typeof cli.config === 'string' ? cli.config : env.KEEPWATCH_CONFIG;
  const fromFile = configFile === undefined ? [] : fileArgs(configFile, spec);
  return parseFlags([...fromFile, ...envArgs(env, spec), ...args], spec);
}

function fileArgs(file: string, spec: FlagSpec): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new FlagError(`--config ${file}: ${reason}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new FlagError(`--config ${file}: must be a JSON object of flag names`);
  const out: string[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    const kind = NOT_SETTINGS.has(key) ? undefined : spec[key]?.type;
    if (kind === undefined) throw new FlagError(`--config ${file}: unknown setting '${key}' (keys are flag names without --)`);
    if (kind === 'boolean') {
      if (typeof value !== 'boolean') throw new FlagError(`--config ${file}: '${key}' must be true or false`);
      if (value) out.push(`--${key}`);
    } else if (typeof value === 'string' || typeof value === 'number') {
      out.push(`--${key}=${String(value)}`);
    } else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
      out.push(`--${key}=${value.join(',')}`);
    } else {
      throw new FlagError(`--config ${file}: '${key}' must be a string or a number`);
    }
  }
  return out;
}

function envArgs(env: NodeJS.ProcessEnv, spec: FlagSpec): string[] {
  const out: string[] = [];
  for (const [flag, { type }] of Object.entries(spec)) {
    if (NOT_SETTINGS.has(flag)) continue;
    const name = envName(flag);
    const value = env[name];
    if (value === undefined) continue;
    if (type === 'string') {
      out.push(`--${flag}=${value}`);
    } else if (value === '1' || value === 'true') {
      out.push(`--${flag}`);
    } else if (value !== '0' && value !== 'false' && value !== '') {
      throw new FlagError(`${name} must be 1, true, 0 or false, got '${value}'`);
    }
  }
  return out;
}
