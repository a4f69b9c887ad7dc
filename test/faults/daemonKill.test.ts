/**
 * SIGKILL of the daemon at seeded-random points of a build, a server start and a 100,000 lines/s
 * log burst; the next daemon is started the way users get it (a CLI command that finds none).
 * Measured: the interrupted build's record and leftover processes, what a start in flight leaves
 * (an adopted run or nothing), and lines written vs. in the file vs. paged back through the daemon.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { orClosed } from '../../shared/node/rpcClient';
import { BuildGetRequest, BuildLogsRequest, BuildStartRequest, type BuildRecord } from '../../shared/protocol/builds';
import { LogLinesNotification, LogsGetRequest, LogsSubscribeRequest } from '../../shared/protocol/logs';
import { ServerDidChangeNotification, ServersStartRequest, ServersStopRequest, type ServerInfo } from '../../shared/protocol/servers';
import { processesIn, waitForBuild } from '../integration/buildHelpers';
import { waitFor } from '../integration/helpers';
import { lineCount, listServers, runDirOf, serverNamed } from '../integration/serverHelpers';
import { figure } from './figures';
import { DaemonUnderTest, faultProject } from './harness';
import { seededRandom } from './seeded';

const SLOW_BUILD = 'BUILD_STEPS=30 node slow-build.js';

/** Lines of a build's log seen so far (the build step's own lines only). */
async function buildStepLines(c: MessageConnection, buildId: string): Promise<number> {
  const { lines } = await c.sendRequest(BuildLogsRequest, { buildId, tail: 1000 });
  return lines.filter((l) => /^slow-build: step/.test(l.text)).length;
}

/** Waits until the build reaches `point` (a step, or a line of the build step). */
async function reach(c: MessageConnection, buildId: string, point: { step: string; line?: number }): Promise<void> {
  await waitFor(`build ${buildId} to reach ${JSON.stringify(point)}`, async () => {
    const { build } = await c.sendRequest(BuildGetRequest, { buildId });
    if (build.status !== 'running' && build.status !== 'queued') throw new Error(`build ended (${build.status}) before the kill point`);
    if (build.step !== point.step) return false;
    return point.line === undefined || (await buildStepLines(c, buildId)) >= point.line;
  }, 60_000);
}

describe('faults: daemon SIGKILL at random points', function () {
  this.timeout(180_000);

  it('a build: the interrupted build is marked failed with the reason, nothing of it keeps running, the next build succeeds', async () => {
    const rng = seededRandom('daemon killed mid-build');
    const d = new DaemonUnderTest('rl-fk-build-');
    const project = faultProject([{ name: 'app', build: SLOW_BUILD, start: 'node web.js' }], { npm: true });
    try {
      await d.start();
      for (let round = 1; round <= 2; round++) {
        const point = rng.next() < 0.25 ? { step: 'install' } : { step: 'build', line: rng.int(1, 25) };
        const { build } = await orClosed(d.c, d.c.sendRequest(BuildStartRequest, { project }));
        await reach(d.c, build.id, point);
        await d.kill();
        figure('daemon killed mid-build', `round ${round} kill point`, point.line ? `build step, line ${point.line} of 30` : point.step);
        await d.start();
        const { build: after } = await d.c.sendRequest(BuildGetRequest, { buildId: build.id });
        assert.equal(after.status, 'failed');
        assert.equal(after.failure?.step, point.step, 'the failure names the step that was running');
        assert.match(after.failure?.message ?? '', /daemon stopped during this build; build again/);
        figure('daemon killed mid-build', `round ${round} record after restart`, `${after.status} at ${after.failure?.step}: ${after.failure?.message}`);
        const left = await waitFor('the interrupted build to leave no process', () => processesIn(build.dir).length === 0 || undefined, 10_000)
          .catch(() => assert.fail(`processes of the interrupted build still run: ${JSON.stringify(processesIn(build.dir))}`));
        figure('daemon killed mid-build', `round ${round} processes of the build left running`, left ? 0 : -1);
      }
      const { build: next } = await orClosed(d.c, d.c.sendRequest(BuildStartRequest, { project }));
      const done: BuildRecord = await waitForBuild(d.c, next.id, 60_000);
      assert.equal(done.status, 'succeeded', JSON.stringify(done.failure));
      figure('daemon killed mid-build', 'next build after the kills', done.status);
    } finally {
      await d.dispose([project]);
    }
  });

  it('a server start: what was spawned is adopted, what was not leaves nothing behind, and the server starts again', async () => {
    const rng = seededRandom('daemon killed mid-start');
    const d = new DaemonUnderTest('rl-fk-start-');
    const project = faultProject([{ name: 'web', build: 'BUILD_STEPS=10 node slow-build.js', start: 'node web.js', health: { path: '/health', intervalMs: 200 } }]);
    try {
      await d.start();
      const outcomes: string[] = [];
      for (let round = 1; round <= 2; round++) {
        const phase = rng.pick(['building', 'starting', 'running'] as const);
        const delayMs = rng.int(0, phase === 'building' ? 400 : 150);
        const seen = new Set<string>();
        const sub = d.c.onNotification(ServerDidChangeNotification, (p) => {
          seen.add(p.server.status);
        });
        // Each round builds afresh, so 'building' lasts long enough to be hit.
        const starting = orClosed(d.c, d.c.sendRequest(ServersStartRequest, { project, server: 'web', rebuild: true })).catch((e: Error) => e);
        await waitFor(`the start to reach '${phase}'`, () => seen.has(phase) || undefined, 60_000);
        await new Promise((r) => setTimeout(r, delayMs)); // the random offset inside the phase, not a wait for a condition
        sub.dispose();
        await d.kill();
        await starting;
        await d.start();
        // A start killed while building never reached the supervisor's saved state: the new daemon does not list it.
        const s = (await listServers(d.c)).find((x) => x.name === 'web') ?? { name: 'web', status: 'not listed', pid: undefined, reason: undefined, url: undefined };
        const live = processesIn(path.dirname(project)).length;
        const outcome = s.pid ? `adopted pid ${s.pid} (${s.status})` : `not started (${s.status}${s.reason ? `: ${s.reason}` : ''})`;
        outcomes.push(`round ${round}: ${phase} +${delayMs} ms → ${outcome}`);
        figure('daemon killed mid-start', `round ${round} kill point → outcome`, `${phase} +${delayMs} ms → ${outcome}`);
        if (s.pid) {
          assert.ok(['running', 'starting', 'unhealthy'].includes(s.status), `an adopted run shows as live, not ${s.status}`);
          await waitFor('the adopted server to answer', async () => (await fetch(`${s.url!}/health`).catch(() => undefined))?.ok || undefined, 10_000);
        }
        assert.equal(live, 0, 'nothing runs from the project folder itself');
        await orClosed(d.c, d.c.sendRequest(ServersStopRequest, { project }));
        const stray = processesIn(path.join(d.home, 'projects'));
        assert.deepEqual(stray, [], 'after a stop no process of any build or run is left');
      }
      const again = await orClosed(d.c, d.c.sendRequest(ServersStartRequest, { project, server: 'web' }));
      assert.equal(again.servers[0]!.status, 'running');
      figure('daemon killed mid-start', 'start after the kills', again.servers[0]!.status);
    } finally {
      await d.dispose([project]);
    }
  });

  it('a 100,000 lines/s log burst: lines written = lines in the file = lines paged back, and the server is re-adopted and streamed', async () => {
    const LINES = 100_000;
    const rng = seededRandom('daemon killed mid-burst');
    const d = new DaemonUnderTest('rl-fk-burst-');
    // Rotation off (a file limit above the burst): the counts below read the live file, whose head a
    // rotation would punch out.
    const logs = { maxFileBytes: 1024 * 1024 * 1024 };
    const project = faultProject([{ name: 'burst', start: 'node flood.js', env: { LINES: String(LINES), RATE: '100000' }, logs }]);
    try {
      await d.start();
      // Not awaited: the start answers once the server is ready, by when a fast burst may be over.
      let first: ServerInfo | undefined;
      const sub = d.c.onNotification(ServerDidChangeNotification, (p) => {
        if (p.server.runId) first ??= p.server;
      });
      const starting = orClosed(d.c, d.c.sendRequest(ServersStartRequest, { project, server: 'burst' })).catch((e: Error) => e);
      const before = await waitFor('the burst server to be spawned', () => first, 30_000);
      sub.dispose();
      const file = path.join(runDirOf(d.home, before), 'stdout.log');
      const killAt = rng.int(10, 90) / 100;
      const t0 = Date.now();
      await waitFor(`${killAt * 100}% of the burst`, () => fs.statSync(file).size >= killAt * LINES * 112 || undefined, 30_000);
      const linesAtKill = lineCount(file);
      await d.kill();
      await starting;
      const ms = Date.now() - t0;
      figure('daemon killed mid-burst', 'kill point (lines in the file when killed)', `${linesAtKill} of ${LINES}, ${ms} ms after the spawn`);
      // The writer is paced to 100,000 lines/s; on a loaded machine it may fall short, so say what it reached.
      figure('daemon killed mid-burst', 'writer rate up to the kill (lines/s)', Math.round(linesAtKill / (ms / 1000)));
      await d.start();
      const adopted = await serverNamed(d.c, 'burst');
      assert.equal(adopted.pid, before.pid, 'the same process is adopted, not restarted');
      assert.equal(adopted.status, 'running');
      await waitFor('the burst to finish', () => fs.readFileSync(file, 'utf8').endsWith('flood: done\n') || undefined, 60_000);
      const inFile = lineCount(file);
      assert.equal(inFile, LINES + 1, 'every line written is in the file');

      const restartedAt = Date.now();
      await waitFor('the new daemon to read up to the end of the burst', async () =>
        (await orClosed(d.c, d.c.sendRequest(LogsGetRequest, { serverId: adopted.id, tail: 5 }))).lines.some((l) => l.text === 'flood: done') || undefined, 120_000);
      figure('daemon killed mid-burst', 'new daemon read the rest of the burst in (ms)', Date.now() - restartedAt);

      // Streaming again: a line the server prints now reaches a subscriber of the new daemon.
      const streamed: string[] = [];
      d.c.onNotification(LogLinesNotification, (p) => {
        streamed.push(...p.lines.map((l) => l.text));
      });
      await orClosed(d.c, d.c.sendRequest(LogsSubscribeRequest, { serverId: adopted.id, tail: 0 }));
      await fetch(`${adopted.url!}/after-restart`);
      await waitFor('the request line to stream', () => streamed.some((t) => t === 'flood: GET /after-restart') || undefined, 10_000);

      const numbers = await pageBackAll(d.c, adopted);
      const out = numbers.findIndex((n, i) => n !== i + 1);
      assert.equal(out, -1, `line ${out + 1} paged back as ${numbers[out]}`);
      assert.equal(numbers.length, LINES, 'every line pages back once, in order');
      figure('daemon killed mid-burst', 'lines written / in the file / paged back', `${LINES} / ${inFile - 1} / ${numbers.length}`);
      figure('daemon killed mid-burst', 're-adopted (same pid) and streaming', `pid ${adopted.pid}, yes`);
    } finally {
      await d.dispose([project]);
    }
  });
});

/** Every `line N` of a server's stdout, paged back newest-first through `logs/get`, oldest first. */
async function pageBackAll(c: MessageConnection, s: ServerInfo): Promise<number[]> {
  const numbers: number[] = [];
  for (let before: number | undefined, more = true; more; ) {
    const p = await orClosed(c, c.sendRequest(LogsGetRequest, { serverId: s.id, before, limit: 10_000 }));
    numbers.unshift(...p.lines.filter((l) => l.stream === 'stdout' && l.text.startsWith('line ')).map((l) => Number(l.text.split(' ')[1])));
    more = p.more && p.lines.length > 0;
    before = p.lines[0]?.seq;
  }
  return numbers;
}
