import { FlagError, parseFlags, type FlagSpec, type ParsedFlags } from '../../src/cli/parse-flags.js';

/**
 * The flags of a benchmark entry point (dist/bench/**.js), parsed the way
 * the keepwatch CLI parses its own (src/cli/parse-flags.ts: strict, one-line
 * errors). `--help` or `-h` prints the usage and exits 0; a flag that cannot
 * be parsed (unknown, missing its value) prints `<command>: <why>` and the
 * usage on stderr and exits 2, instead of Node's ERR_PARSE_ARGS_* stack trace.
 * `command` is what a user types to run it, e.g. 'npm run bench:core --'.
 */
export function benchFlags<T extends FlagSpec>(command: string, options: T, args: readonly string[] = process.argv.slice(2)): ParsedFlags<T> {
  const usage = benchUsage(command, options);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(usage);
    process.exit(0);
  }
  try {
    return parseFlags(args, options);
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    process.stderr.write(`${command}: ${error.message}\n${usage}`);
    process.exit(2);
  }
}

/** `usage: <command> [--name <value> (default)] [--switch]`, one flag per line after the first. */
export function benchUsage(command: string, options: FlagSpec): string {
  const flags = Object.entries(options).map(([name, spec]) => {
    const value = spec.type === 'string' ? ' <value>' : '';
    const fallback = spec.default === undefined || spec.default === false || spec.default === '' ? '' : ` (default ${String(spec.default)})`;
    return `[--${name}${value}]${fallback}`;
  });
  return `usage: ${command}${flags.length === 0 ? '' : `\n  ${flags.join('\n  ')}`}\n`;
}
