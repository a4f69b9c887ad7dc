/**
 * 20 servers of one project and 200 start/stop cycles (10 rounds, each stopping and starting all
 * 20 at once). Measured: processes, ports and daemon file descriptors left afterwards, and the
 * daemon's RSS before and after (it must not grow without bound).
 */
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import * as path from 'node:path';
import { orClosed } from '../../shared/node/rpcClient';
import { ServersStartRequest, ServersStopRequest } from '../../shared/protocol/servers';
import type { ServerConfig } from '../../shared/config/runlens';
import { processesIn } from '../integration/buildHelpers';
import { waitFor } from '../integration/helpers';
import { listServers } from '../integration/serverHelpers';
import { figure } from './figures';
import { DaemonUnderTest, faultProject, fdCount, mib, rssBytes } from './harness';

const SERVERS = 20;
const ROUNDS = 10;

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer().once('error', () => resolve(false)).listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

describe('faults: 20 servers, 200 start/stop cycles', function () {
  this.timeout(300_000);

  it('leaves no process, port or file descriptor behind, and the daemon does not keep growing', async () => {
    const d = new DaemonUnderTest('rl-fcyc-');
    const names = Array.from({ length: SERVERS }, (_, i) => `web${String(i).padStart(2, '0')}`);
    const servers: ServerConfig[] = names.map((name) => ({ name, start: 'node web.js', health: { path: '/health', intervalMs: 1000 } }));
    const project = faultProject(servers);
    try {
      await d.start();
      const cycle = (name: string) => async (): Promise<void> => {
        await orClosed(d.c, d.c.sendRequest(ServersStartRequest, { project, server: name }));
        await orClosed(d.c, d.c.sendRequest(ServersStopRequest, { project, server: name }));
      };
      // Warm-up round: the first runs open what the daemon keeps (telemetry segments, indexes).
      await Promise.all(names.map((n) => cycle(n)()));
      const pid = d.pid;
      const before = { rss: rssBytes(pid), fds: fdCount(pid) };
      const ports = new Set<number>();
      const t0 = Date.now();
      let cycles = 0;
      let mid = 0;
      for (let round = 0; round < ROUNDS; round++) {
        await Promise.all(names.map((n) => orClosed(d.c, d.c.sendRequest(ServersStartRequest, { project, server: n }))));
        for (const s of await listServers(d.c)) {
          assert.equal(s.status, 'running', `${s.name} in round ${round}`);
          ports.add(s.port!);
        }
        await Promise.all(names.map((n) => orClosed(d.c, d.c.sendRequest(ServersStopRequest, { project, server: n }))));
        cycles += SERVERS;
        if (round === ROUNDS / 2 - 1) mid = rssBytes(pid);
      }
      const seconds = (Date.now() - t0) / 1000;
      assert.equal(cycles, 200);
      const left = processesIn(path.join(d.home, 'projects'));
      assert.deepEqual(left, [], 'no server process is left');
      const busy = [];
      for (const port of ports) if (!(await portFree(port))) busy.push(port);
      assert.deepEqual(busy, [], 'every port is free again');
      // The resource sampler keeps a stat file of each sampled pid open for a few intervals.
      await waitFor(`daemon fds to return to ${before.fds} (now ${fdCount(pid)})`, () => fdCount(pid) <= before.fds + 2 || undefined, 30_000);
      const after = { rss: rssBytes(pid), fds: fdCount(pid) };
      figure('20 servers × 200 start/stop cycles', 'cycles / time (s)', `${cycles} / ${seconds.toFixed(1)}`);
      figure('20 servers × 200 start/stop cycles', 'processes left / ports still bound / distinct ports used', `${left.length} / ${busy.length} / ${ports.size}`);
      figure('20 servers × 200 start/stop cycles', 'daemon fds before / after', `${before.fds} / ${after.fds}`);
      // Growth that levels off (allocator and heap settling) is fine; growth per cycle is not.
      figure('20 servers × 200 start/stop cycles', 'daemon RSS before / after 100 cycles / after 200', `${mib(before.rss)} / ${mib(mid)} / ${mib(after.rss)}`);
      assert.equal(d.pid, pid, 'the same daemon served every cycle');
      assert.ok(after.rss - before.rss < 64 * 2 ** 20, `RSS grew by ${mib(after.rss - before.rss)} over 200 cycles`);
      assert.ok(after.rss - mid < 32 * 2 ** 20, `RSS kept growing in the second 100 cycles (${mib(mid)} → ${mib(after.rss)})`);
    } finally {
      await d.dispose([project]);
    }
  });
});
