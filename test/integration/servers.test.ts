/**
 * Supervision with real processes: the real daemon builds a copy of the fixture project, starts its
 * servers, and the tests crash, flood, kill and stop them.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { DAEMON_MALLOC_ENV, DAEMON_NODE_FLAGS, DAEMON_OWN_ENV } from '../../shared/node/launcher';
import { orClosed } from '../../shared/node/rpcClient';
import { LogLinesNotification, LogsGetRequest, LogsSubscribeRequest } from '../../shared/protocol/logs';
import { ServerDidChangeNotification, ServersStartRequest, ServersRunsRequest, ServersStopRequest, type ServerInfo } from '../../shared/protocol/servers';
import { groupMembers } from '../../daemon/servers/processTree';
import { cliJson, connectClient, daemonPids, runCli, stopAll, tempHome, waitFor } from './helpers';
import { copyFixture, serverNamed as server, streamLineCount } from './serverHelpers';

describe('server supervision', function () {
  this.timeout(180_000);
  let home: string;
  let project: string;
  let c: MessageConnection;

  before(async () => {
    home = tempHome();
    project = copyFixture();
    await cliJson(['daemon', 'start'], home);
    c = await connectClient(home);
  });
  after(async () => {
    await orClosed(c, c.sendRequest(ServersStopRequest, { project })).catch(() => undefined);
    c.dispose();
    await stopAll(home);
  });

  it('builds, starts a server with its dependency first, serves requests, and stops it', async () => {
    const started = await orClosed(c, c.sendRequest(ServersStartRequest, { project, server: 'api' }));
    assert.deepEqual(started.servers.map((s) => [s.name, s.status]), [['web', 'running'], ['api', 'running']]);
    const web = await server(c, 'web');
    assert.ok(web.port! >= 4111 && web.port! <= 4200, `port ${web.port} outside the default range`);
    const body = await (await fetch(`http://127.0.0.1:${web.port}/`)).text();
    assert.equal(body, 'hello from web\n');
    assert.ok(!fs.existsSync(path.join(project, 'node_modules')), 'nothing may be written into the project');
    // The daemon starts with its own V8 and malloc settings, and its servers do not inherit them.
    const environ = (pid: number): string[] => fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const [daemonPid] = daemonPids(home);
    const argv = fs.readFileSync(`/proc/${daemonPid}/cmdline`, 'utf8').split('\0');
    assert.ok(DAEMON_NODE_FLAGS.every((f) => argv.includes(f)), argv.join(' '));
    for (const [k, v] of Object.entries(DAEMON_MALLOC_ENV).filter(([name]) => process.env[name] === undefined)) {
      assert.ok(environ(daemonPid!).includes(`${k}=${v}`), `the launcher sets ${k} for the daemon`);
      assert.ok(!environ(web.pid!).some((e) => e.startsWith(`${k}=`)), `a server does not inherit ${k}`);
    }
    assert.ok(!environ(web.pid!).some((e) => e.startsWith(`${DAEMON_OWN_ENV}=`)));

    const logs = await orClosed(c, c.sendRequest(LogsGetRequest, { serverId: web.id, grep: 'GET /' }));
    assert.ok(logs.lines.some((l) => l.text === 'GET /' && l.stream === 'stdout'), 'the request line reached the log');

    const stopped = await orClosed(c, c.sendRequest(ServersStopRequest, { project, server: 'web' }));
    assert.equal(stopped.servers[0]!.status, 'stopped');
    const [run] = (await orClosed(c, c.sendRequest(ServersRunsRequest, { serverId: web.id, limit: 1 }))).runs;
    assert.deepEqual([run?.runId, run?.pid, run?.port, run?.outcome], [web.runId, web.pid, web.port, 'stopped']);
    assert.deepEqual(groupMembers(web.pid!), [], 'every process of the group is gone');
    await orClosed(c, c.sendRequest(ServersStopRequest, { project, server: 'api' }));
  });

  it('notices a crash at once and restarts with backoff until the cap', async () => {
    const changes: ServerInfo[] = [];
    c.onNotification(ServerDidChangeNotification, (p) => {
      if (p.server.name === 'crash') changes.push({ ...p.server, startedAt: Date.now() });
    });
    await orClosed(c, c.sendRequest(ServersStartRequest, { project, server: 'crash' })).catch(() => undefined);
    const final = await waitFor('the crash server to give up', async () => {
      const s = await server(c, 'crash');
      return s.status === 'crashed' && /gave up after 3 restarts/.test(s.reason ?? '') ? s : undefined;
    }, 30_000);
    assert.equal(final.restartCount, 3);
    assert.equal(final.lastExit?.code, 1);
    const { runs } = await orClosed(c, c.sendRequest(ServersRunsRequest, { serverId: final.id, limit: 10 }));
    assert.equal(runs.length, 4, 'the first run and its 3 restarts are listed');
    assert.deepEqual(runs.map((r) => r.runId), [...runs.map((r) => r.runId)].sort().reverse(), 'newest first');
    assert.ok(runs.every((r) => r.exit?.code === 1 && r.outcome === 'exited with code 1' && r.endedAt! >= r.startedAt), JSON.stringify(runs[0]));
    assert.ok(fs.existsSync(runs[0]!.stdoutFile) && runs[0]!.buildId === final.buildId, 'each run names its log file and build');
    const crashes = changes.filter((s) => s.status === 'crashed');
    assert.ok(crashes.length >= 4, `expected 4 crash reports, saw ${crashes.length}`);
    const running = changes.filter((s) => s.status === 'running' || s.status === 'starting');
    assert.ok(running.length >= 4, 'each restart shows up as a new start');
  });

  it('refuses a fixed port that is already in use, saying what to do', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    const config = JSON.parse(fs.readFileSync(path.join(project, 'runlens.json'), 'utf8')) as { servers: { name: string; port?: number | string }[] };
    config.servers.find((s) => s.name === 'web')!.port = port;
    fs.writeFileSync(path.join(project, 'runlens.json'), JSON.stringify(config));
    try {
      await assert.rejects(orClosed(c, c.sendRequest(ServersStartRequest, { project, server: 'web' })), new RegExp(`port ${port} for 'web' is already in use`));
    } finally {
      config.servers.find((s) => s.name === 'web')!.port = 'auto';
      fs.writeFileSync(path.join(project, 'runlens.json'), JSON.stringify(config));
      blocker.close();
    }
  });

  it('kills a server that ignores SIGTERM, children included, after the grace period', async () => {
    await orClosed(c, c.sendRequest(ServersStartRequest, { project, server: 'stubborn' }));
    const s = await server(c, 'stubborn');
    assert.ok(groupMembers(s.pid!).length >= 2, 'the server and its child run in one group');
    const t0 = Date.now();
    await orClosed(c, c.sendRequest(ServersStopRequest, { project, server: 'stubborn' }));
    assert.ok(Date.now() - t0 >= 4500, 'SIGKILL came only after the grace period');
    assert.deepEqual(groupMembers(s.pid!), []);
    const log = await orClosed(c, c.sendRequest(LogsGetRequest, { serverId: s.id, tail: 20 }));
    assert.ok(log.lines.some((l) => /did not stop within 5000 ms of SIGTERM; killed/.test(l.text)));
  });

  it('loses no line when the daemon is SIGKILLed mid-flood, and the new daemon adopts the server', async () => {
    await orClosed(c, c.sendRequest(ServersStartRequest, { project, server: 'flood' }));
    const before = await server(c, 'flood');
    const daemonPid = daemonPids(home)[0]!;
    process.kill(daemonPid, 'SIGKILL');
    await waitFor('the old daemon to be gone', () => daemonPids(home).length === 0);
    c.dispose();
    await cliJson(['daemon', 'start'], home);
    c = await connectClient(home);
    const adopted = await server(c, 'flood');
    assert.equal(adopted.pid, before.pid, 'the same process is adopted, not restarted');
    assert.equal(adopted.status, 'running');
    const runDir = path.join(home, 'projects', before.projectId, 'runs', before.runId!);
    await waitFor('the flood to finish', () => fs.readFileSync(path.join(runDir, 'stdout.log'), 'utf8').includes('flood: done'), 60_000);
    // 100,001 lines of ~111 bytes pass the 10 MB rotation size: the head may be in stdout.log.1.
    const inFiles = await waitFor('every line written to be in the files', () => (streamLineCount(runDir, 'stdout') === 100_001 ? 100_001 : undefined), 10_000).catch(() => streamLineCount(runDir, 'stdout'));
    assert.equal(inFiles, 100_001, 'every line written is in the files');

    const got: string[] = [];
    c.onNotification(LogLinesNotification, (p) => {
      got.push(...p.lines.map((l) => l.text));
    });
    await orClosed(c, c.sendRequest(LogsSubscribeRequest, { serverId: adopted.id, tail: 3 }));
    await waitFor('the new daemon to stream the adopted server', () => got.some((t) => t === 'flood: done'));
    await orClosed(c, c.sendRequest(ServersStopRequest, { project, server: 'flood' }));
  });

  it('rotates the log of a flooding server without losing a line, and pages it all back in order', async () => {
    await orClosed(c, c.sendRequest(ServersStartRequest, { project, server: 'rotated' }));
    const s = await server(c, 'rotated');
    const runDir = path.join(home, 'projects', s.projectId, 'runs', s.runId!);
    const page = (before?: number) => orClosed(c, c.sendRequest(LogsGetRequest, { serverId: s.id, before, limit: 10_000 }));
    await waitFor('the flood to be read', async () => (await page()).lines.some((l) => l.text === 'flood: done'), 60_000);
    const note = (): { holeEnd: number } => JSON.parse(fs.readFileSync(path.join(runDir, 'stdout.log.rotation.json'), 'utf8')) as { holeEnd: number };
    const liveOnDisk = (): number => fs.statSync(path.join(runDir, 'stdout.log')).blocks * 512;
    // The note is written before the hole is punched (a crash between leaves bytes in both places).
    await waitFor('rotation to catch up and punch its head out', () => fs.statSync(path.join(runDir, 'stdout.log')).size - note().holeEnd < 262_144 && liveOnDisk() < 2 * 262_144 + 65_536, 30_000);
    const rotated = fs.readdirSync(runDir).filter((f) => /^stdout\.log\.\d+$/.test(f));
    assert.ok(rotated.length >= 10, `7 MB at 256 KiB per file rotates many times (${rotated.length})`);
    const live = fs.statSync(path.join(runDir, 'stdout.log'));
    assert.ok(live.blocks * 512 < 2 * 262_144 + 65_536, `the live file holds about one file's worth on disk (${live.blocks * 512} of ${live.size})`);
    // Every line, from the ring and then from the rotated files, once and in order.
    const numbers: number[] = [];
    for (let before: number | undefined, more = true; more; ) {
      const p = await page(before);
      numbers.unshift(...p.lines.filter((l) => l.stream === 'stdout' && l.text.startsWith('line ')).map((l) => Number(l.text.split(' ')[1])));
      more = p.more && p.lines.length > 0;
      before = p.lines[0]?.seq;
    }
    assert.equal(numbers.length, 60_000);
    numbers.forEach((n, i) => n !== i + 1 && assert.fail(`line ${i + 1} read back as ${n}`));
    await orClosed(c, c.sendRequest(ServersStopRequest, { project, server: 'rotated' }));
  });

  it('leaves no process, port or open file behind after 100 start/stop cycles', async function () {
    this.timeout(400_000);
    const cycle = async (): Promise<ServerInfo> => {
      await orClosed(c, c.sendRequest(ServersStartRequest, { project, server: 'web' }));
      const s = await server(c, 'web');
      await orClosed(c, c.sendRequest(ServersStopRequest, { project, server: 'web' }));
      assert.deepEqual(groupMembers(s.pid!), [], `run ${s.runId} left processes behind`);
      return s;
    };
    // Warm up: the first runs open files the daemon keeps (telemetry segments, say).
    for (let i = 0; i < 3; i++) await cycle();
    const daemon = daemonPids(home)[0]!;
    const fdsBefore = fs.readdirSync(`/proc/${daemon}/fd`).length;
    const ports = new Set<number>();
    const started = Date.now();
    for (let i = 0; i < 100; i++) ports.add((await cycle()).port!);
    console.log(`      100 start/stop cycles in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // The resource sampler keeps a stat file of each sampled pid open for a few intervals.
    const fds = () => fs.readdirSync(`/proc/${daemon}/fd`).length;
    await waitFor(`daemon fds to return to ${fdsBefore} (now ${fds()})`, () => fds() <= fdsBefore + 1, 30_000);
    // Released ports are reused (the range is 90 ports; 100 runs would exhaust it otherwise).
    assert.ok(ports.size < 10, `100 runs used ${ports.size} different ports`);
    for (const port of ports) {
      const free = await new Promise<boolean>((resolve) => {
        const probe = net.createServer().once('error', () => resolve(false)).listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
      });
      assert.ok(free, `port ${port} is still taken after the last stop`);
    }
  });

  it('shows servers in `runlens ps --json` and follows logs with the CLI', async () => {
    await orClosed(c, c.sendRequest(ServersStartRequest, { project, server: 'web' }));
    const ps = await cliJson<{ servers: ServerInfo[] }>(['ps'], home);
    assert.ok(ps.json.servers.some((s) => s.name === 'web' && s.status === 'running'));
    const logs = await runCli(['logs', '--project', project, '--tail', '50', 'web'], home);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /web listening on \d+/);
    assert.ok(!logs.stdout.includes('\u001b['), 'colours are stripped when stdout is not a terminal');
  });
});
