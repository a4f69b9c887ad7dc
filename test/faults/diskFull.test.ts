/**
 * The state dir's filesystem fills up under a running daemon: a small tmpfs is mounted as the
 * state dir (root only; umounted after), a server runs, then a file eats every free byte. The
 * daemon must stay up, refuse what it cannot keep with a reason that says so (so senders retry
 * instead of losing data), and work again once space returns.
 */
import * as assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { orClosed } from '../../shared/node/rpcClient';
import { BuildStartRequest, DaemonStatusRequest, TelemetryStatsRequest } from '../../shared/protocol';
import { ServersStartRequest } from '../../shared/protocol/servers';
import { waitForBuild } from '../integration/buildHelpers';
import { waitFor } from '../integration/helpers';
import { serverNamed } from '../integration/serverHelpers';
import { spansIn } from '../integration/telemetry/mastraLines';
import { figure } from './figures';
import { DaemonUnderTest, faultProject } from './harness';

/** One OTLP/JSON trace of one span, with a trace id from `n`. */
function otlpTrace(n: number): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  const span = { traceId: n.toString(16).padStart(32, '0'), spanId: n.toString(16).padStart(16, '0'), name: `disk ${n}`, kind: 2, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1_000_000n) };
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'diskfull' } }] }, scopeSpans: [{ spans: [span] }] }] });
}

async function postTrace(endpoint: string, n: number): Promise<{ status: number; body: string }> {
  const r = await fetch(`${endpoint}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: otlpTrace(n) });
  return { status: r.status, body: await r.text() };
}

/** Writes zeros until the filesystem refuses; returns the bytes written. */
function fillDisk(file: string): number {
  const block = Buffer.alloc(1024 * 1024);
  const fd = fs.openSync(file, 'w');
  let total = 0;
  try {
    for (;;) total += fs.writeSync(fd, block, 0, block.length);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
  return total;
}

describe('faults: the state dir runs out of space', function () {
  this.timeout(120_000);
  let d: DaemonUnderTest;
  let project: string;
  let mounted = false;

  before(function () {
    if (process.getuid?.() !== 0) throw new Error('LOUD: this scenario mounts a tmpfs as the state dir and must run as root; it did not run');
    d = new DaemonUnderTest('rl-fdisk-');
    fs.mkdirSync(d.home, { recursive: true });
    child_process.execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m,mode=0700', 'tmpfs', d.home]);
    mounted = true;
    process.env.RUNLENS_OTLP_PORT = '0';
    project = faultProject([{ name: 'web', start: 'node web.js', health: { path: '/health', intervalMs: 200 } }]);
  });
  after(async () => {
    delete process.env.RUNLENS_OTLP_PORT;
    // Stop everything first: a daemon or server holding files there keeps the mount busy.
    const home = d.home;
    await d.dispose([project], { keepHome: true }).catch((e: Error) => console.log(`      teardown: ${e.message}`));
    if (mounted) child_process.execFileSync('umount', ['--lazy', home]);
    fs.rmSync(path.dirname(home), { recursive: true, force: true });
  });

  it('stays up, refuses what it cannot keep saying why, and recovers when space returns', async () => {
    await d.start();
    const pid = d.pid;
    await orClosed(d.c, d.c.sendRequest(ServersStartRequest, { project, server: 'web' }));
    const endpoint = (await d.c.sendRequest(TelemetryStatsRequest, {})).otlpEndpoint;
    assert.equal((await postTrace(endpoint, 1)).status, 200);

    const filler = path.join(d.home, 'filler');
    const filled = fillDisk(filler);
    figure('state dir disk full', 'tmpfs size / filled with', `24 MiB / ${(filled / 2 ** 20).toFixed(1)} MiB`);

    // The last page of an open file may still take a few small writes; send until the daemon refuses.
    let acked = 0;
    let refused: { status: number; body: string } | undefined;
    for (let n = 2; n < 500 && !refused; n++) {
      const answer = await postTrace(endpoint, n);
      if (answer.status === 200) acked++;
      else refused = answer;
    }
    assert.ok(refused, 'the daemon never refused a trace on a full disk');
    figure('state dir disk full', 'OTLP trace while full → answer', `${refused.status} ${refused.body.slice(0, 140)} (after ${acked} more were kept)`);
    assert.equal(refused.status, 503, 'refused as retryable, so the sender keeps the batch');
    assert.match(refused.body, /disk is full/i, 'the answer says the disk is full');
    const stats = await d.c.sendRequest(TelemetryStatsRequest, {});
    assert.match(stats.ingestError ?? '', /disk is full/, 'telemetry/stats says what is wrong');
    figure('state dir disk full', 'telemetry/stats ingestError while full', stats.ingestError!);

    const { build } = await orClosed(d.c, d.c.sendRequest(BuildStartRequest, { project }));
    const failed = await waitForBuild(d.c, build.id, 60_000);
    figure('state dir disk full', 'build while full → record', `${failed.status}: ${failed.failure?.message.slice(0, 140)}`);
    assert.equal(failed.status, 'failed');
    assert.match(failed.failure?.message ?? '', /no space|ENOSPC|disk is full/i);

    const status = await d.c.sendRequest(DaemonStatusRequest, {});
    assert.equal(status.daemon.pid, pid, 'the same daemon is still up');
    const web = await serverNamed(d.c, 'web');
    assert.equal(web.status, 'running', 'the server keeps running');
    assert.ok((await fetch(`${web.url!}/health`)).ok);

    fs.rmSync(filler);
    const accepted = await postTrace(endpoint, 10_000);
    assert.equal(accepted.status, 200, accepted.body);
    const { build: again } = await orClosed(d.c, d.c.sendRequest(BuildStartRequest, { project }));
    const ok = await waitForBuild(d.c, again.id, 60_000);
    assert.equal(ok.status, 'succeeded', JSON.stringify(ok.failure));
    const expected = 2 + acked;
    await waitFor(`the ${expected} acknowledged traces in the local store`, async () => (await spansIn(d.c, 'local')) === expected || undefined, 30_000)
      .catch(async (e: Error) => {
        const s = await d.c.sendRequest(TelemetryStatsRequest, {});
        const segments = fs.readdirSync(path.join(d.home, 'telemetry', 'segments'));
        throw new Error(`${e.message}: local store has ${await spansIn(d.c, 'local')}; stats ${JSON.stringify({ storeErrors: s.storeErrors, ingestError: s.ingestError, quarantined: s.quarantined })}; segments ${segments.join(' ')}`);
      });
    assert.equal((await d.c.sendRequest(TelemetryStatsRequest, {})).ingestError, undefined, 'the problem clears once writes succeed');
    figure('state dir disk full', 'after space returns: OTLP / build / traces acknowledged = stored / same daemon', `200 / ${ok.status} / ${expected} = ${await spansIn(d.c, 'local')} / ${d.pid === pid ? 'yes' : 'no'}`);
  });
});
