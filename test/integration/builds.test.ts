/**
 * Isolated builds through the real daemon and CLI: the OTel example builds from a temp copy without
 * touching it (the Mastra example's build is in mastraExample.test.ts, which then runs it), builds
 * of one project run side by side, cancel and timeout kill whole process trees, and each kind of
 * failure names its step.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import {
  BuildCancelRequest,
  BuildListRequest,
  BuildLogNotification,
  BuildLogsRequest,
  BuildStartRequest,
  type BuildLogLine,
  type BuildRecord,
} from '../../shared/protocol';
import { copyExample, hashTree, makeProject, npmProject, processesIn, waitForBuild } from './buildHelpers';
import { cliJson, connectClient, runCli, stopAll, tempHome, waitFor } from './helpers';

/** A node one-liner that stays alive until killed, leaving a marker file once it runs. */
const HANG = `node -e "require('fs').writeFileSync('hanging', String(process.pid)); setInterval(() => {}, 1000)"`;

describe('isolated builds', function () {
  let home: string;
  let client: MessageConnection;

  before(async () => {
    home = tempHome('rl-build-');
    assert.equal((await cliJson(['daemon', 'start'], home)).code, 0);
    client = await connectClient(home, 'builds-test');
  });
  after(async () => {
    client?.dispose();
    await stopAll(home);
  });

  async function build(project: string, timeoutMs?: number, waitMs = 120_000): Promise<BuildRecord> {
    const { build: queued } = await client.sendRequest(BuildStartRequest, { project, timeoutMs });
    return waitForBuild(client, queued.id, waitMs);
  }

  it('builds the OTel example in a copy, leaving the source byte-for-byte unchanged', async function () {
    this.timeout(180_000);
    const src = copyExample('otel-node');
    const before = hashTree(src);
    const streamed: BuildLogLine[] = [];
    const sub = client.onNotification(BuildLogNotification, (p) => {
      streamed.push(...p.lines);
    });
    const { build: queued, subscriptionId } = await client.sendRequest(BuildStartRequest, { project: src, follow: true });
    assert.equal(queued.status, 'queued');
    assert.ok(subscriptionId);
    const b = await waitForBuild(client, queued.id, 150_000);
    assert.equal(b.status, 'succeeded', JSON.stringify(b.failure));
    assert.equal(hashTree(src), before, 'the build wrote into the source folder');
    assert.ok(b.dir.startsWith(path.join(home, 'projects', b.projectId, 'builds', b.id)));
    assert.ok(fs.existsSync(path.join(b.dir, 'dist', 'server.js')));
    assert.ok(fs.existsSync(path.join(b.dir, 'node_modules', '@opentelemetry', 'sdk-node')));
    assert.deepEqual(b.steps.map((s) => `${s.name}:${s.status}`), ['prepare:succeeded', 'copy:succeeded', 'install:succeeded', 'build:succeeded', 'verify:succeeded']);
    const install = b.steps.find((s) => s.name === 'install')!;
    assert.match(install.command!, /^npm ci --include=dev --prefer-offline/);
    assert.deepEqual(install.exitCodes, [0]);
    assert.ok(install.endedAt! >= install.startedAt);
    assert.equal(b.packageManager?.name, 'npm');
    assert.match(b.packageManager?.version ?? '', /^\d+\./);
    assert.match(b.node?.version ?? '', /^v\d+\./);

    const { lines } = await client.sendRequest(BuildLogsRequest, { buildId: b.id });
    assert.ok(lines.some((l) => l.stream === 'system' && /toolchain for install: node v\d+.*npm \d+/.test(l.text)));
    assert.ok(lines.some((l) => l.step === 'build' && l.stream === 'stdout'));
    assert.deepEqual(lines.map((l) => l.seq), lines.map((_, i) => i + 1));
    // `get` can report the end before the last batch of the live stream has arrived.
    await waitFor('the live stream to catch up', () => streamed.length >= lines.length);
    sub.dispose();
    assert.deepEqual(streamed.map((l) => l.seq), lines.map((l) => l.seq), 'the live stream carried every line, in order');
    const file = fs.readFileSync(path.join(path.dirname(b.dir), 'build.log'), 'utf8').split('\n')[0]!;
    assert.match(file, /^\d{4}-\d\d-\d\dT\S+Z system prepare project otel-node/);
    const tail = await client.sendRequest(BuildLogsRequest, { buildId: b.id, tail: 3 });
    assert.deepEqual(tail.lines, lines.slice(-3));
    const since = await client.sendRequest(BuildLogsRequest, { buildId: b.id, since: lines[lines.length - 1]!.time });
    assert.ok(since.lines.length >= 1 && since.lines.every((l) => l.time >= lines[lines.length - 1]!.time));
    // build.json is rewritten when the build ends, which may be just after the request answered.
    const recordFile = path.join(path.dirname(b.dir), 'build.json');
    const ended = (): boolean => {
      try {
        return (JSON.parse(fs.readFileSync(recordFile, 'utf8')) as BuildRecord).status !== 'running';
      } catch {
        return false; // Caught mid-write.
      }
    };
    await waitFor('build.json to record the end', ended);
    const record = JSON.parse(fs.readFileSync(recordFile, 'utf8')) as BuildRecord;
    assert.equal(record.status, 'succeeded');
  });

  it('runs two builds of one project at the same time', async function () {
    this.timeout(180_000);
    const src = copyExample('otel-node');
    const [a, b] = await Promise.all([build(src), build(src)]);
    assert.equal(a.status, 'succeeded', JSON.stringify(a.failure));
    assert.equal(b.status, 'succeeded', JSON.stringify(b.failure));
    assert.notEqual(a.dir, b.dir);
    assert.ok(a.startedAt! < b.endedAt! && b.startedAt! < a.endedAt!, 'the two builds did not overlap');
  });

  it('cancels a build mid-install, killing its whole process tree', async function () {
    this.timeout(60_000);
    const src = npmProject({ scripts: { preinstall: HANG } });
    const { build: queued } = await client.sendRequest(BuildStartRequest, { project: src });
    const marker = path.join(queued.dir, 'hanging');
    await waitFor('the install to hang', () => fs.existsSync(marker), 30_000);
    assert.ok(processesIn(queued.dir).length >= 1, 'expected the install processes to run in the build dir');
    const { build: b } = await client.sendRequest(BuildCancelRequest, { buildId: queued.id });
    assert.equal(b.status, 'cancelled');
    assert.equal(b.steps.find((s) => s.name === 'install')?.status, 'cancelled');
    assert.deepEqual(processesIn(queued.dir), [], 'processes of the cancelled build are still running');
  });

  it('fails a build that runs past its timeout, naming the step, and kills it', async function () {
    this.timeout(60_000);
    const src = npmProject({ scripts: { build: HANG } });
    const b = await build(src, 8000);
    assert.equal(b.status, 'failed');
    assert.equal(b.failure?.reason, 'timeout');
    assert.equal(b.failure?.step, 'build');
    assert.match(b.failure!.message, /timed out after 8\.0 s during the build step/);
    assert.deepEqual(processesIn(b.dir), []);
  });

  it('fails on a broken package.json at the prepare step', async () => {
    const src = makeProject({ 'package.json': '{ "name": "broken", ' });
    const b = await build(src);
    assert.equal(b.status, 'failed');
    assert.equal(b.failure?.step, 'prepare');
    assert.match(b.failure!.message, /package\.json is not valid JSON .*fix it and build again/);
  });

  it('fails on an invalid runlens.json naming the file and the field', async () => {
    const src = makeProject({ 'runlens.json': JSON.stringify({ servers: [{ name: 'api', start: 'node x.js', port: 'eighty' }] }) });
    const b = await build(src);
    assert.equal(b.failure?.step, 'prepare');
    assert.ok(b.failure!.message.includes(`${path.join(src, 'runlens.json')}: servers[0].port: expected a port number`), b.failure!.message);
  });

  it('fails on a failing build script at the build step, with its exit code and last lines', async function () {
    this.timeout(60_000);
    const src = npmProject({ scripts: { build: `node -e "console.error('compile error: boom'); process.exit(3)"` } });
    const b = await build(src);
    assert.equal(b.failure?.step, 'build');
    assert.match(b.failure!.message, /^build failed: 'npm run build .*' exited with code 3/);
    assert.ok(b.failure!.tail.includes('compile error: boom'), JSON.stringify(b.failure!.tail));
    assert.deepEqual(b.steps.find((s) => s.name === 'build')?.exitCodes, [3]);
  });

  it('fails at the install step when the package manager is not on the PATH', async function () {
    const onPath = (name: string): boolean => (process.env.PATH ?? '').split(':').some((d) => fs.existsSync(path.join(d, name)));
    const missing = ['pnpm', 'bun', 'yarn'].find((pm) => !onPath(pm));
    if (!missing) this.skip();
    const src = makeProject({ 'package.json': JSON.stringify({ name: 'x', version: '1.0.0', packageManager: `${missing}@9.0.0` }) });
    const b = await build(src);
    assert.equal(b.failure?.step, 'install');
    assert.match(b.failure!.message, new RegExp(`${missing} is not on the PATH .*packageManager`));
  });

  it('fails at the verify step when the start command\'s script was not built', async () => {
    const src = makeProject({ 'runlens.json': JSON.stringify({ servers: [{ name: 'api', start: 'node dist/server.js' }] }) });
    const b = await build(src);
    assert.equal(b.failure?.step, 'verify');
    assert.match(b.failure!.message, /did not produce dist\/server\.js \(server 'api' starts it\)/);
  });

  it('keeps only the last builds a project asks for', async function () {
    this.timeout(60_000);
    const src = makeProject({ 'runlens.json': JSON.stringify({ build: { keep: 2 }, servers: [{ name: 'a', start: 'node server.js' }] }), 'server.js': '' });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await build(src)).id);
    const { builds } = await client.sendRequest(BuildListRequest, { project: src });
    assert.deepEqual(builds.map((b) => b.id), [ids[2], ids[1]]);
    const firstDir = path.dirname(path.dirname(builds[0]!.dir));
    await waitFor('the oldest build to leave the disk', () => !fs.readdirSync(firstDir).includes(ids[0]!));
  });

  it('refuses a folder that is not a project', async () => {
    const empty = makeProject({ 'README.md': 'nothing to build' });
    await assert.rejects(client.sendRequest(BuildStartRequest, { project: empty }), /is not a project folder \(no package\.json or runlens\.json there\)/);
  });

  it('`runlens build` streams the log and exits non-zero when the build fails', async function () {
    this.timeout(60_000);
    const src = npmProject({ scripts: { build: `node -e "console.log('compiling'); console.error('compile error: boom'); process.exit(2)"` } });
    const r = await runCli(['build', src], home);
    const output = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
    assert.equal(r.code, 1, output);
    assert.match(r.stdout, /▶ \[4\/5\] build/, output);
    assert.match(r.stdout, /compiling/);
    assert.match(r.stderr, /compile error: boom/);
    assert.match(r.stdout, /✗ build \S+ failed at step build: build failed: 'npm run build .*' exited with code 2/);
    const json = await cliJson<{ builds: BuildRecord[] }>(['builds', src], home);
    assert.equal(json.json.builds[0]!.status, 'failed');
  });
});
