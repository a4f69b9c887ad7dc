/**
 * Servers that do not behave: one forks children and exits at once (its children would run on
 * unnoticed), one ignores SIGTERM (and so does its child). Measured: what Runlens reports, which
 * processes are left, and how long a stop takes.
 */
import * as assert from 'node:assert/strict';
import { orClosed } from '../../shared/node/rpcClient';
import { LogsGetRequest } from '../../shared/protocol/logs';
import { ServersStartRequest, ServersStopRequest } from '../../shared/protocol/servers';
import { groupMembers } from '../../daemon/servers/processTree';
import { processesIn } from '../integration/buildHelpers';
import { waitFor } from '../integration/helpers';
import { serverNamed } from '../integration/serverHelpers';
import { figure } from './figures';
import { DaemonUnderTest, faultProject } from './harness';
import * as path from 'node:path';

describe('faults: servers that fork and exit, or ignore SIGTERM', function () {
  this.timeout(90_000);
  let d: DaemonUnderTest;
  let project: string;

  before(async () => {
    d = new DaemonUnderTest('rl-fchild-');
    project = faultProject([
      { name: 'forker', start: 'node forker.js', restart: 'never' },
      { name: 'stubborn', start: 'node stubborn.js' },
    ]);
    await d.start();
  });
  after(async () => d.dispose([project]));

  it('a server that forks children and exits: the exit is reported and its children do not outlive it', async () => {
    await orClosed(d.c, d.c.sendRequest(ServersStartRequest, { project, server: 'forker' })).catch((e: Error) => e);
    const s = await waitFor('the forker to be reported as ended', async () => {
      const x = await serverNamed(d.c, 'forker');
      return x.status === 'stopped' || x.status === 'crashed' ? x : undefined;
    }, 30_000);
    // The status turns at the exit; the run's last lines and the note about its children follow.
    const lines = await waitFor('the run\'s end note in the log', async () => {
      const log = await orClosed(d.c, d.c.sendRequest(LogsGetRequest, { serverId: s.id, tail: 50 }));
      // The last line of a run, written after its output is drained: `── run <id> exited with code 0 ──`.
      return log.lines.some((l) => /── run \S+ (exited with|killed by)/.test(l.text)) ? log.lines : undefined;
    }, 15_000);
    const pids = lines.map((l) => /forker: child \d pid (\d+)/.exec(l.text)?.[1]).filter((p): p is string => p !== undefined).map(Number);
    assert.equal(pids.length, 2, 'the log shows both children');
    await waitFor('the children to be gone', () => processesIn(path.join(d.home, 'projects')).length === 0 || undefined, 15_000)
      .catch(() => assert.fail(`children still run after the server exited: ${JSON.stringify(processesIn(path.join(d.home, 'projects')))}`));
    const note = lines.find((l) => /left \d+ process/.test(l.text));
    figure('server forks children and exits', 'status / lastExit / children left', `${s.status} / code ${s.lastExit?.code} / 0 of ${pids.length}`);
    figure('server forks children and exits', 'what the log says', note?.text ?? '(no line)');
    assert.ok(note, 'the log says the run left processes behind and that they were stopped');
  });

  it('a server that ignores SIGTERM (and its child does too): killed after the grace period, nothing left', async () => {
    await orClosed(d.c, d.c.sendRequest(ServersStartRequest, { project, server: 'stubborn' }));
    const s = await serverNamed(d.c, 'stubborn');
    const members = groupMembers(s.pid!).length;
    assert.ok(members >= 2, 'the server and its child run in one group');
    const t0 = Date.now();
    const stopped = await orClosed(d.c, d.c.sendRequest(ServersStopRequest, { project, server: 'stubborn' }));
    const ms = Date.now() - t0;
    assert.equal(stopped.servers[0]!.status, 'stopped');
    assert.ok(ms >= 4500, 'SIGKILL came only after the grace period');
    assert.deepEqual(groupMembers(s.pid!), []);
    const log = await orClosed(d.c, d.c.sendRequest(LogsGetRequest, { serverId: s.id, tail: 20 }));
    const line = log.lines.find((l) => /did not stop within \d+ ms of SIGTERM; killed/.test(l.text));
    assert.ok(line);
    figure('server ignores SIGTERM', 'processes in group before / after stop; stop took (ms)', `${members} / 0; ${ms}`);
    figure('server ignores SIGTERM', 'what the log says', line.text);
  });
});
