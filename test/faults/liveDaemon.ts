/**
 * A real daemon for a hostile-input scenario: its own state dir, the OTLP receiver on a free port,
 * a connected client, and the checks every scenario ends with (same pid, still answering).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { DaemonStatusRequest, TelemetryStatsRequest, type TelemetryStatsResult } from '../../shared/protocol';
import { orClosed } from '../../shared/node/rpcClient';
import { cliJson, connectClient, daemonPids, stopAll, tempHome, waitFor } from '../integration/helpers';

export interface LiveDaemon {
  home: string;
  pid: number;
  /** `http://127.0.0.1:<port>` of the OTLP receiver. */
  endpoint: string;
  client: MessageConnection;
  stats(): Promise<TelemetryStatsResult>;
  /** Spans in the local store. */
  spans(): Promise<number>;
  /** Resident set of the daemon, bytes, from /proc. */
  rss(): number;
  /** Throws unless the same daemon process still answers a fresh client. */
  assertServing(): Promise<void>;
  stop(): Promise<void>;
}

export async function startLiveDaemon(prefix: string): Promise<LiveDaemon> {
  const home = tempHome(prefix);
  const previousPort = process.env.RUNLENS_OTLP_PORT;
  process.env.RUNLENS_OTLP_PORT = '0';
  try {
    await cliJson(['daemon', 'start'], home);
  } finally {
    if (previousPort === undefined) delete process.env.RUNLENS_OTLP_PORT;
    else process.env.RUNLENS_OTLP_PORT = previousPort;
  }
  const endpoint = await waitFor('the OTLP endpoint', async () => (await cliJson<{ otlpEndpoint?: string }>(['daemon', 'status'], home)).json.otlpEndpoint);
  const [pid] = daemonPids(home);
  assert.ok(pid, 'a daemon process serves the state dir');
  const client = await connectClient(home, 'fault-suite');
  const stats = (): Promise<TelemetryStatsResult> => orClosed(client, client.sendRequest(TelemetryStatsRequest, {}));
  return {
    home,
    pid,
    endpoint,
    client,
    stats,
    spans: async () => (await stats()).stores.find((s) => s.backend === 'local')?.spans ?? -1,
    rss: () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024,
    async assertServing() {
      const fresh = await connectClient(home, 'after-hostile-input');
      const s = await orClosed(fresh, fresh.sendRequest(DaemonStatusRequest, {}));
      fresh.dispose();
      assert.equal(s.daemon.pid, pid, 'the daemon that took the input is the one still serving');
      assert.deepEqual(daemonPids(home), [pid]);
    },
    async stop() {
      client.dispose();
      await stopAll(home);
      fs.rmSync(path.dirname(home), { recursive: true, force: true });
    },
  };
}
