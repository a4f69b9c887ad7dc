/** The health monitor against real HTTP servers on loopback. */
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as child_process from 'node:child_process';
import { HealthMonitor, type HealthState } from '../../daemon/health/healthMonitor';
import { sampleTrees } from '../../daemon/health/resources';
import { waitFor } from './helpers';

interface Toggle {
  port: number;
  mode: 'ok' | 'fail' | 'hang';
  close(): Promise<void>;
}

async function healthServer(mode: Toggle['mode']): Promise<Toggle> {
  const t = { mode } as Toggle;
  const server = http.createServer((_req, res) => {
    if (t.mode === 'hang') return; // never answers
    res.writeHead(t.mode === 'ok' ? 200 : 500).end(t.mode);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.port = (server.address() as AddressInfo).port;
  t.close = () => new Promise((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
  return t;
}

describe('health monitor', () => {
  const states = new Map<string, { state: HealthState; reason?: string; at: number }[]>();
  const monitor = new HealthMonitor({
    changed: (id, state, reason) => states.set(id, [...(states.get(id) ?? []), { state, reason, at: Date.now() }]),
  });
  const last = (id: string) => states.get(id)?.at(-1);
  after(() => monitor.stopAll());

  it('turns unhealthy after 3 failed checks in a row, and healthy again when the server recovers', async () => {
    const s = await healthServer('ok');
    const ready = await monitor.watch('flaky', { probe: { kind: 'http', path: '/health', port: s.port, timeoutMs: 500 }, intervalMs: 50, startupTimeoutMs: 5000, failureThreshold: 3 });
    assert.equal(ready.ready, true);
    s.mode = 'fail';
    const failedAt = Date.now();
    await waitFor('unhealthy', () => last('flaky')?.state === 'unhealthy');
    assert.match(last('flaky')!.reason!, /3 failed health checks in a row: HTTP 500 from \/health/);
    assert.ok(monitor.results('flaky').slice(-3).every((r) => r.httpStatus === 500));
    assert.ok(Date.now() - failedAt >= 100, 'three intervals cannot pass in under two interval lengths');
    s.mode = 'ok';
    await waitFor('healthy again', () => last('flaky')?.state === 'healthy');
    monitor.unwatch('flaky');
    await s.close();
  });

  it('keeps checking other servers on time while one hangs its health route', async () => {
    const hung = await healthServer('hang');
    const fine = await healthServer('ok');
    void monitor.watch('hung', { probe: { kind: 'http', path: '/health', port: hung.port, timeoutMs: 2000 }, intervalMs: 50, startupTimeoutMs: 60_000, failureThreshold: 3 });
    await monitor.watch('fine', { probe: { kind: 'http', path: '/health', port: fine.port, timeoutMs: 2000 }, intervalMs: 50, startupTimeoutMs: 5000, failureThreshold: 3 });
    const before = monitor.results('fine').length;
    await waitFor('ten more checks of the healthy server', () => monitor.results('fine').length >= before + 10, 3000);
    assert.ok(monitor.results('hung').length <= 1, 'a hung check must not be repeated while in flight');
    monitor.unwatch('hung');
    monitor.unwatch('fine');
    await Promise.all([hung.close(), fine.close()]);
  });

  it('ends readiness with the reason when the start-up timeout passes', async () => {
    const s = await healthServer('fail');
    const outcome = await monitor.watch('never', { probe: { kind: 'http', path: '/ready', port: s.port, timeoutMs: 200 }, intervalMs: 1000, startupTimeoutMs: 600, failureThreshold: 3 });
    assert.equal(outcome.ready, false);
    assert.match(outcome.reason!, /not ready within 1 s: HTTP 500 from \/ready/);
    monitor.unwatch('never');
    await s.close();
  });

  it('checks a plain TCP port when no HTTP path is configured', async () => {
    const s = await healthServer('ok');
    assert.equal((await monitor.watch('tcp', { probe: { kind: 'tcp', port: s.port, timeoutMs: 500 }, intervalMs: 1000, startupTimeoutMs: 2000, failureThreshold: 3 })).ready, true);
    monitor.unwatch('tcp');
    await s.close();
  });

  it('attributes the CPU of a busy child process to the server that forked it', async () => {
    // The server's own process idles; the grandchild it spawns spins.
    const spin = "setTimeout(() => process.exit(), 60000); for (;;) {}";
    const parent = child_process.spawn(process.execPath, ['-e', `require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(spin)}], { stdio: 'inherit' }); setTimeout(() => {}, 60000);`], { stdio: 'ignore', detached: true });
    try {
      const usage = await waitFor('the spinning child to count for its parent', async () => {
        const u = (await sampleTrees([parent.pid!])).get(parent.pid!);
        return u && u.pids.length >= 2 && u.cpuPercent > 50 ? u : undefined;
      }, 20_000);
      assert.equal(usage.pids[0], parent.pid);
      assert.ok(usage.rssBytes > 2 * 10 * 1024 * 1024, `two node processes' memory is summed (${usage.rssBytes})`);
    } finally {
      process.kill(-parent.pid!, 'SIGKILL');
    }
  });
});
