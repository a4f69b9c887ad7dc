/** Minimal argument parsing for the `runlens` CLI: positionals plus `--flag` and `--key value`. */

export interface ParsedArgs {
  positionals: string[];
  flags: Set<string>;
  values: Map<string, string>;
}

/** Options that take a value; every other `--name` is a boolean flag. */
const VALUED = new Set(['--home', '--since', '--grep', '--tail', '--timeout', '--backend', '--project']);

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const out: ParsedArgs = { positionals: [], flags: new Set(), values: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg : arg.slice(0, eq);
      if (eq !== -1) out.values.set(name, arg.slice(eq + 1));
      else if (VALUED.has(name)) {
        const value = argv[i + 1];
        if (value === undefined) throw new UsageError(`${name} needs a value`);
        out.values.set(name, value);
        i++;
      } else out.flags.add(name);
    } else if (arg === '-h') {
      out.flags.add('--help');
    } else if (arg === '-f') {
      out.flags.add('--follow');
    } else {
      out.positionals.push(arg);
    }
  }
  return out;
}

export class UsageError extends Error {}

/** Exit codes, documented in the README. */
export const Exit = {
  ok: 0,
  failure: 1,
  usage: 2,
  notRunning: 3,
} as const;
