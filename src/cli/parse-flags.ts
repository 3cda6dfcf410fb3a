import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseDecimalWhole } from '../protocol/decimal-whole.js';

/** A parseArgs option table: flag name to its type, default, short letter. */
export type FlagSpec = NonNullable<ParseArgsConfig['options']>;
/** The `values` parseArgs gives for these flags (strings, booleans, undefined when absent). */
export type ParsedFlags<T extends FlagSpec> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: false }>
>['values'];

/** A command line that cannot be parsed; the message says which flag and why. */
export class FlagError extends Error {}

/**
 * `util.parseArgs` (strict), with two differences a user of a numeric CLI
 * expects: `--workers -1` is read as the value -1 (so the range check can
 * say what is wrong with it) rather than as a missing value followed by an
 * unknown flag, and every parse failure is a FlagError with one line of text.
 */
export function parseFlags<T extends FlagSpec>(args: readonly string[], options: T): ParsedFlags<T> {
  try {
    return parseArgs({ args: joinNegativeValues(args, options), options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new FlagError((error as Error).message.split('\n')[0]);
  }
}

/** `--flag -12` -> `--flag=-12` for string flags, so a negative number is a value. */
function joinNegativeValues(args: readonly string[], options: FlagSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const next = args[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/**
 * A whole-number flag in min..max, written in decimal digits only
 * (parseDecimalWhole: '0x10', '1e1', ' 4' and '' are refused). FlagError
 * names the flag, the range and the value given.
 */
export function integerFlag(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = parseDecimalWhole(raw);
  if (n === undefined || n < min || n > max) throw new FlagError(`--${name} must be an integer in ${min}..${max}, got '${raw}'`);
  return n;
}
