/** The real daemon, started by the real CLI and launcher, over its real socket. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DaemonStatusRequest, HelloRequest, PROTOCOL_VERSION } from '../../shared/protocol';
import { ensureDaemon } from '../../shared/node/launcher';
import { openConnection } from '../../shared/node/rpcClient';
import { statePaths } from '../../shared/node/stateDir';
import { cliJson, connectClient, DAEMON_SCRIPT, daemonPids, readLog, runCli, stopAll, tempHome, waitFor } from './helpers';

describe('daemon lifecycle', () => {
  let home: string;
  beforeEach(() => (home = tempHome()));
  afterEach(() => stopAll(home));

  it('starts detached from the CLI, outlives it, and reports itself', async () => {
    const start = await cliJson<{ started: boolean; pid: number }>(['daemon', 'start'], home);
    assert.equal(start.code, 0);
    assert.equal(start.json.started, true);
    assert.deepEqual(daemonPids(home), [start.json.pid], 'the daemon should outlive the CLI that started it');

    const again = await cliJson<{ started: boolean; pid: number }>(['daemon', 'start'], home);
    assert.equal(again.json.started, false);
    assert.equal(again.json.pid, start.json.pid);

    const status = await cliJson<{ running: boolean; daemon: { pid: number; protocolVersion: number } }>(['daemon', 'status'], home);
    assert.equal(status.code, 0);
    assert.equal(status.json.daemon.pid, start.json.pid);
    assert.equal(status.json.daemon.protocolVersion, PROTOCOL_VERSION);
    assert.match(readLog(home), /listening on .*reason: runlens daemon start/);
  });

  it('is private to its user: state dir 0700, socket and log 0600', async () => {
    await cliJson(['daemon', 'start'], home);
    const paths = statePaths(home);
    assert.equal(fs.statSync(home).mode & 0o777, 0o700);
    assert.equal(fs.statSync(paths.socket).mode & 0o777, 0o600);
    assert.ok(fs.statSync(paths.socket).isSocket());
    assert.equal(fs.statSync(paths.log).mode & 0o777, 0o600);
  });

  it('serves two clients at once, each answered on its own connection', async () => {
    await cliJson(['daemon', 'start'], home);
    const a = await connectClient(home, 'client-a');
    const b = await connectClient(home, 'client-b');
    const [sa, sb] = await Promise.all([a.sendRequest(DaemonStatusRequest, {}), b.sendRequest(DaemonStatusRequest, {})]);
    assert.equal(sa.daemon.pid, sb.daemon.pid);
    const names = sa.connections.map((c) => c.name).sort();
    assert.deepEqual(names, ['client-a', 'client-b']);
    a.dispose();
    const after = await waitFor('client-a to be gone', async () => {
      const s = await b.sendRequest(DaemonStatusRequest, {});
      return s.connections.length === 1 ? s : undefined;
    });
    assert.equal(after.connections[0]!.name, 'client-b');
    b.dispose();
  });

  it('leaves exactly one daemon when several CLIs start it at the same moment', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => cliJson<{ pid: number }>(['daemon', 'start'], home)));
    for (const r of results) assert.equal(r.code, 0);
    const pids = new Set(results.map((r) => r.json.pid));
    assert.equal(pids.size, 1, `CLIs saw different daemons: ${[...pids].join(', ')}`);
    await waitFor('losing daemons to exit', () => daemonPids(home).length === 1);
    assert.deepEqual(daemonPids(home), [...pids]);
  });

  it('is replaced after SIGKILL: the next client cleans the stale lock and socket and gets a new daemon', async () => {
    const first = await cliJson<{ pid: number }>(['daemon', 'start'], home);
    const client = await connectClient(home);
    let closed = false;
    client.onClose(() => (closed = true));
    process.kill(first.json.pid, 'SIGKILL');
    await waitFor('the client to see its connection close', () => closed);
    // Our socket can close before the dying process's listening socket does; wait for the pid.
    await waitFor('the killed daemon to be gone', () => daemonPids(home).length === 0);
    const paths = statePaths(home);
    assert.ok(fs.existsSync(paths.lock) && fs.existsSync(paths.socket), 'a killed daemon leaves its lock and socket behind');

    const started = Date.now();
    const launched = await ensureDaemon({ home, daemonScript: DAEMON_SCRIPT, reason: 'test reconnect' });
    const again = openConnection(launched.socket);
    const hello = await again.sendRequest(HelloRequest, {
      protocolVersion: PROTOCOL_VERSION, clientVersion: '0.0.0', clientBuild: 0, clientKind: 'test',
    });
    const tookMs = Date.now() - started;
    assert.equal(hello.outcome, 'ok');
    assert.notEqual(hello.daemon.pid, first.json.pid);
    assert.ok(tookMs < 3000, `reconnecting took ${tookMs} ms`);
    assert.match(readLog(home), new RegExp(`previous daemon \\(pid ${first.json.pid}\\) is gone without shutting down`));
    assert.match(readLog(home), /removing stale socket/);
    again.dispose();
  });

  it('stops on request, removing its socket and lock, and then reports not running', async () => {
    const start = await cliJson<{ pid: number }>(['daemon', 'start'], home);
    const stop = await runCli(['daemon', 'stop'], home);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, new RegExp(`stopped \\(pid ${start.json.pid}\\)`));
    assert.deepEqual(daemonPids(home), []);
    const paths = statePaths(home);
    assert.ok(!fs.existsSync(paths.socket) && !fs.existsSync(paths.lock));
    const status = await runCli(['daemon', 'status'], home);
    assert.equal(status.code, 3);
    assert.match(status.stdout, /not running/);
    const stopAgain = await runCli(['daemon', 'stop'], home);
    assert.equal(stopAgain.code, 0);
  });

  it('hands over to a newer client: answers handover, exits, and frees the socket', async () => {
    const start = await cliJson<{ pid: number }>(['daemon', 'start'], home);
    const conn = openConnection(await ensureDaemon({ home, daemonScript: DAEMON_SCRIPT }).then((l) => l.socket));
    const hello = await conn.sendRequest(HelloRequest, {
      protocolVersion: PROTOCOL_VERSION, clientVersion: '999.0.0', clientBuild: 0, clientKind: 'test',
    });
    assert.equal(hello.outcome, 'handover');
    await waitFor('the old daemon to exit', () => daemonPids(home).length === 0);
    assert.ok(!fs.existsSync(statePaths(home).socket));
    assert.match(readLog(home), /runs a newer build \(999\.0\.0\/0\); handing over/);
    const next = await cliJson<{ pid: number; started: boolean }>(['daemon', 'start'], home);
    assert.equal(next.json.started, true);
    assert.notEqual(next.json.pid, start.json.pid);
  });

  it('ignores SIGHUP, so closing the terminal that started it does not stop it', async () => {
    const start = await cliJson<{ pid: number }>(['daemon', 'start'], home);
    process.kill(start.json.pid, 'SIGHUP');
    await waitFor('the SIGHUP to be logged', () => /ignoring SIGHUP/.test(readLog(home)));
    assert.deepEqual(daemonPids(home), [start.json.pid]);
  });

  it('puts the socket in a private /tmp dir when the state dir is too deep for a unix socket', async () => {
    const deep = path.join(tempHome(), 'x'.repeat(90));
    try {
      const start = await cliJson<{ socket: string; pid: number }>(['daemon', 'start'], deep);
      assert.equal(start.code, 0);
      assert.match(start.json.socket, /^\/tmp\/runlens-\d+\//);
      assert.equal(fs.statSync(path.dirname(start.json.socket)).mode & 0o777, 0o700);
    } finally {
      await stopAll(deep);
    }
  });
});
