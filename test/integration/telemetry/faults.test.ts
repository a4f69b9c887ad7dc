/**
 * Fault tests on the real daemon: Mastra JSONL with thousands of malformed lines, SIGKILL in the
 * middle of ingesting 200,000 spans (local store and ClickHouse), ClickHouse down for 30 s during
 * ingest.
 * Spans arrive as Mastra observability JSONL written into a run's watched `observability/` folder.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { TelemetryStatsRequest } from '../../../shared/protocol';
import { clickHouseAvailable, startClickHouse, type ClickHouseServer } from '../clickhouseServer';
import { cliJson, connectClient, daemonPids, stopAll, tempHome, waitFor } from '../helpers';
import { mastraSpanLine, observabilityFile, spansIn } from './mastraLines';

async function stats(client: MessageConnection) {
  return client.sendRequest(TelemetryStatsRequest, {});
}

const OUTAGE_MS = 30_000;

describe('telemetry faults (real daemon)', function () {
  this.timeout(240_000);
  let home: string;
  let ch: ClickHouseServer | undefined;
  const t0 = Date.now() - 3_600_000;

  before(async () => {
    process.env.RUNLENS_OTLP_PORT = '0';
    if (!clickHouseAvailable()) throw new Error('clickhouse-server is not installed; run scripts/setup.sh');
    ch = await startClickHouse();
  });
  after(async () => {
    delete process.env.RUNLENS_OTLP_PORT;
    await ch?.dispose();
  });
  afterEach(async () => stopAll(home));

  it('quarantines 10,000 malformed JSONL lines with file and line, keeps the good ones', async () => {
    home = tempHome('rl-quar-');
    await cliJson(['daemon', 'start'], home);
    const client = await connectClient(home);
    const lines: string[] = [];
    for (let i = 0; i < 12_000; i++) lines.push(i % 6 === 0 ? mastraSpanLine(i, t0) : i % 3 === 0 ? '{"type":"span","data":{"traceId":"zz"}}' : `garbage line ${i} {`);
    const file = observabilityFile(home, '1700000000000_bad.jsonl');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    await waitFor('2,000 good spans', async () => (await spansIn(client, 'local')) === 2000 || undefined, 30_000);
    const q = await waitFor('10,000 quarantined', async () => ((await stats(client)).quarantined >= 10_000 ? await stats(client) : undefined), 30_000);
    assert.equal(q.quarantined, 10_000);
    const entries = fs.readFileSync(q.quarantineFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { source: string; line: number; reason: string });
    assert.equal(entries.length, 10_000);
    assert.deepEqual([entries[0]!.source, entries[0]!.line], [file, 2]);
    assert.match(entries[0]!.reason, /not JSON/);
    assert.ok(entries.some((e) => /traceId/.test(e.reason)));
    client.dispose();
  });

  it('SIGKILL in the middle of 200,000 spans: after restart each store holds exactly 200,000', async () => {
    home = tempHome('rl-kill-');
    fs.mkdirSync(path.join(home, 'telemetry'), { recursive: true });
    fs.writeFileSync(path.join(home, 'telemetry', 'settings.json'), JSON.stringify({ clickhouse: { url: ch!.url, database: 'killtest' } }));
    await cliJson(['daemon', 'start'], home);
    let client = await connectClient(home);
    const lines = Array.from({ length: 200_000 }, (_, i) => mastraSpanLine(i, t0));
    fs.writeFileSync(observabilityFile(home, '1700000000000_big.jsonl'), lines.join('\n') + '\n');
    await waitFor('ingest under way', async () => (await spansIn(client, 'local')) > 0 || undefined, 60_000);
    client.dispose();
    const [pid] = daemonPids(home);
    process.kill(pid!, 'SIGKILL');
    await waitFor('the daemon to die', () => daemonPids(home).length === 0, 10_000);
    await cliJson(['daemon', 'start'], home);
    client = await connectClient(home);
    await waitFor('200,000 spans in both stores', async () => {
      const [l, c] = [await spansIn(client, 'local'), await spansIn(client, 'clickhouse')];
      return l === 200_000 && c === 200_000 ? true : undefined;
    }, 180_000);
    const s = await stats(client);
    assert.deepEqual(s.stores.map((x) => [x.backend, x.spans, x.traces]), [['local', 200_000, 20_000], ['clickhouse', 200_000, 20_000]]);
    client.dispose();
  });

  it('ClickHouse down during ingest: nothing lost, nothing duplicated once it is back', async () => {
    home = tempHome('rl-chdown-');
    fs.mkdirSync(path.join(home, 'telemetry'), { recursive: true });
    fs.writeFileSync(path.join(home, 'telemetry', 'settings.json'), JSON.stringify({ clickhouse: { url: ch!.url, database: 'downtest' } }));
    await cliJson(['daemon', 'start'], home);
    const client = await connectClient(home);
    const write = (name: string, from: number, n: number) =>
      fs.writeFileSync(observabilityFile(home, name), Array.from({ length: n }, (_, i) => mastraSpanLine(from + i, t0)).join('\n') + '\n');
    write('1_a.jsonl', 0, 20_000);
    await waitFor('first part in ClickHouse', async () => (await spansIn(client, 'clickhouse')) === 20_000 || undefined, 60_000);
    await ch!.stop();
    const downAt = Date.now();
    write('2_b.jsonl', 20_000, 30_000);
    await waitFor('the local store to have all', async () => (await spansIn(client, 'local')) === 50_000 || undefined, 60_000);
    await waitFor('the feeder to notice the outage', async () => (await stats(client)).storeErrors.clickhouse || undefined, 30_000);
    // The outage lasts the full 30 s the issue asks for, however fast the steps above were.
    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - downAt))));
    assert.ok((await stats(client)).storeErrors.clickhouse, 'ClickHouse is still reported failing at the end of the outage');
    await ch!.start();
    await waitFor('ClickHouse to catch up', async () => (await spansIn(client, 'clickhouse')) === 50_000 || undefined, 90_000);
    const s = await stats(client);
    assert.equal(s.stores.find((x) => x.backend === 'clickhouse')?.traces, 5_000);
    client.dispose();
  });
});
