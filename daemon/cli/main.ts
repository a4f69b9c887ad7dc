/**
 * The `runlens` command line. Speaks the same protocol to the same daemon as the extension.
 * Exit codes: 0 success, 1 failure, 2 usage error, 3 daemon not running (for `status`).
 */
import { resolveHome } from '../../shared/node/stateDir';
import { VERSION } from '../../shared/buildInfo';
import { Exit, parseArgs, UsageError } from './args';
import { daemonCommand } from './daemonCommands';
import { createOutput } from './output';

const USAGE = `runlens ${VERSION}: build, run and watch your Node and Mastra servers

Usage:
  runlens daemon start     start the background daemon (or report the running one)
  runlens daemon stop      stop the daemon gracefully
  runlens daemon status    show the daemon's pid, uptime, memory and clients (exit 3 if not running)

Options:
  --json                   print one JSON document on stdout
  --home <dir>             state directory (default: $RUNLENS_HOME, $XDG_STATE_HOME/runlens or ~/.runlens)
  -h, --help               show this help
`;

async function run(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  const out = createOutput(args.flags.has('--json'));
  if (args.flags.has('--help') || args.positionals.length === 0) {
    process.stdout.write(USAGE);
    return args.positionals.length === 0 && !args.flags.has('--help') ? Exit.usage : Exit.ok;
  }
  if (args.flags.has('--version')) {
    out.result({ version: VERSION }, VERSION);
    return Exit.ok;
  }
  const home = args.values.get('--home') ?? resolveHome();
  const [area, verb] = args.positionals;
  switch (area) {
    case 'daemon':
      return daemonCommand(verb, home, out);
    default:
      throw new UsageError(`unknown command '${area}'; run 'runlens --help'`);
  }
}

// A request whose connection closes without an answer leaves nothing to wait for, and Node would
// exit 0 in silence; say what happened and fail instead.
process.on('beforeExit', () => {
  createOutput(process.argv.includes('--json')).error('the connection to the daemon closed before it answered; see daemon.log');
  process.exit(Exit.failure);
});

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const out = createOutput(process.argv.includes('--json'));
    if (err instanceof UsageError) {
      out.error(`${err.message}`);
      process.exit(Exit.usage);
    }
    out.error((err as Error)?.message ?? String(err));
    process.exit(Exit.failure);
  },
);
