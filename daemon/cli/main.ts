/**
 * The `runlens` command line. Speaks the same protocol to the same daemon as the extension.
 * Exit codes: 0 success, 1 failure, 2 usage error, 3 daemon not running (for `status`).
 */
import { resolveHome } from '../../shared/node/stateDir';
import { VERSION } from '../../shared/buildInfo';
import { Exit, parseArgs, UsageError } from './args';
import { buildCommand, buildsCommand } from './buildCommands';
import { daemonCommand } from './daemonCommands';
import { serverCommand } from './serverCommands';
import { createOutput } from './output';
import { tracesCommand } from './telemetryCommands';

const USAGE = `runlens ${VERSION}: build, run and watch your Node and Mastra servers

Usage:
  runlens daemon start     start the background daemon (or report the running one)
  runlens daemon stop      stop the daemon gracefully
  runlens daemon status    show the daemon's pid, uptime, memory and clients (exit 3 if not running)
  runlens build [path] [--timeout <seconds>]
                           isolated build of a project folder (default: the current one), log streamed;
                           exits 1 if it fails; Ctrl-C cancels it
  runlens builds [path|--all]   kept builds of a project, newest first
  runlens builds log <id> [--tail <n>] | cancel <id>
  runlens up [server…]     build if needed and start the project's servers (--build to rebuild)
  runlens down [server…]   stop them (SIGTERM, grace period, SIGKILL; children included)
  runlens restart [server…]
  runlens ps               every server the daemon runs: status, pid, port, uptime, restarts
  runlens logs [-f] [--grep <text>] [--since <seq>] [--tail <n>] <server>
                           a server's log; -f follows it (colours on a terminal, plain otherwise)
  runlens traces [server] [--since 15m] [--slowest] [--errors] [--tail <n>] [--backend local|clickhouse]
                           recent traces, one row per trace

Options:
  --json                   print one JSON document on stdout
  --project <dir>          the project folder (default: the current folder)
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
    case 'build':
      return buildCommand({ home, args, out });
    case 'builds':
      return buildsCommand({ home, args, out });
    case 'traces':
      return tracesCommand(args, home, out);
    case 'up':
    case 'down':
    case 'restart':
    case 'ps':
    case 'logs':
      return serverCommand(area, { home, args, out });
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
