/**
 * Entry point of the background daemon: `node daemon.js --home <state dir> [--reason <why>]`.
 * Takes the single-daemon lock (or exits quietly when another daemon holds it), listens on the
 * socket, and removes socket and lock on the way out.
 */
import { VERSION, BUILD } from '../shared/buildInfo';
import { DAEMON_OWN_ENV } from '../shared/node/launcher';
import { currentIdentity } from '../shared/node/processInfo';
import { prepareStateDir, resolveHome, statePaths } from '../shared/node/stateDir';
import { Daemon } from './daemon';
import { acquireLock, releaseLock } from './lock';
import { FileLogger } from './log';
import { createServices } from './services';

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

/**
 * The C library read the launcher's malloc settings when this process started; servers and
 * builds inherit the daemon's environment and must not get them.
 */
function dropOwnEnv(): void {
  for (const k of (process.env[DAEMON_OWN_ENV] ?? '').split(',')) if (k) delete process.env[k];
  delete process.env[DAEMON_OWN_ENV];
}

async function main(): Promise<void> {
  dropOwnEnv();
  // Everything the daemon creates (socket, logs) is for this user only.
  process.umask(0o077);
  const home = argValue('--home') ?? resolveHome();
  const paths = statePaths(home);
  prepareStateDir(paths);
  const log = new FileLogger(paths.log, process.env.RUNLENS_DAEMON_ECHO === '1');
  const self = currentIdentity();
  const reason = argValue('--reason') ?? 'started by hand';

  let lock;
  try {
    lock = await acquireLock(paths.lock, paths.lockGuard, { ...self, version: VERSION, acquiredAt: Date.now() });
  } catch (err) {
    log.error(`not starting (${reason}): ${(err as Error).message}`);
    throw err;
  }
  if (!lock.acquired) {
    log.info(`not starting (${reason}): daemon pid ${lock.holder.pid} already holds ${paths.lock}`);
    return;
  }
  if (lock.staleHolder) {
    const who = lock.staleHolder === 'unreadable' ? 'an unreadable lock' : `pid ${lock.staleHolder.pid}`;
    log.warn(`previous daemon (${who}) is gone without shutting down (killed or crashed); took over its stale lock`);
  }

  let exiting = false;
  const stop = (why: string, code: number): void => {
    if (exiting) return;
    exiting = true;
    releaseLock(paths.lock, self);
    log.info(`stopped: ${why}`);
    log.close();
    process.exit(code);
  };
  const services = await createServices({ paths, log });
  const daemon = new Daemon({
    paths,
    version: VERSION,
    build: BUILD,
    log,
    areas: services.areas,
    otlpEndpoint: services.otlpEndpoint,
    beforeStop: () => services.stop(),
    onStopped: (why) => stop(why, 0),
  });

  process.on('SIGTERM', () => daemon.shutdown('SIGTERM'));
  process.on('SIGINT', () => daemon.shutdown('SIGINT'));
  process.on('SIGHUP', () => log.info('ignoring SIGHUP: the daemon outlives the terminal or window that started it'));
  process.on('uncaughtException', (err) => log.error(`uncaught exception (continuing): ${err.stack ?? err.message}`));
  process.on('unhandledRejection', (err) => log.error(`unhandled rejection (continuing): ${String((err as Error)?.stack ?? err)}`));

  try {
    await daemon.listen();
  } catch (err) {
    log.error(`cannot listen on ${paths.socket}: ${(err as Error).message}`);
    stop('listen failed', 1);
    return;
  }
  log.info(`daemon ${VERSION} (build ${BUILD}) listening on ${paths.socket}; node ${process.version}; reason: ${reason}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`runlens daemon: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
