/**
 * The Mastra example end to end through the real daemon: `runlens build` builds it with
 * `mastra build` (one build, ~2–5 min, shared by both tests), the daemon starts the built server,
 * the `text-report` workflow runs over Mastra's HTTP API (create a run, then start it), and its
 * spans, posted by MastraPlatformExporter to the daemon's receiver with the run's token, reach the
 * store with Mastra's span types and fields, tied to the server and its run.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { orClosed } from '../../shared/node/rpcClient';
import { BuildListRequest, GetTraceRequest, ListTracesRequest, ServersStartRequest, ServersStopRequest } from '../../shared/protocol';
import type { SpanRecord } from '../../shared/telemetry/model';
import { copyExample, hashTree } from './buildHelpers';
import { cliJson, connectClient, runCli, stopAll, tempHome, waitFor } from './helpers';
import { runTextReport } from './mastraWorkflow';

const byType = (spans: SpanRecord[], type: string) => spans.filter((s) => s.attributes['mastra.span_type'] === type);

describe('the Mastra example', function () {
  let home: string;
  let src: string;
  let client: MessageConnection;

  before(async () => {
    home = tempHome('rl-mastra-');
    src = copyExample('mastra-agent');
    assert.equal((await cliJson(['daemon', 'start'], home)).code, 0);
    client = await connectClient(home, 'mastra-example-test');
  });
  after(async function () {
    // A graceful stop, then removing the build's node_modules on a busy disk.
    this.timeout(180_000);
    if (client) await orClosed(client, client.sendRequest(ServersStopRequest, { project: src })).catch(() => undefined);
    client?.dispose();
    await stopAll(home);
    // The state dir holds the build with its node_modules.
    for (const dir of [path.dirname(src), path.dirname(home)]) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('builds with mastra build from `runlens build`, streaming its steps', async function () {
    this.timeout(420_000);
    const before = hashTree(src);
    const r = await runCli(['build', src], home);
    assert.equal(r.code, 0, r.stdout.slice(-3000) + r.stderr.slice(-3000));
    for (const step of ['[1/5] prepare', '[3/5] install', '[4/5] build', '[5/5] verify']) assert.ok(r.stdout.includes(`▶ ${step}`), step);
    assert.match(r.stdout, /\$ npm run build \(mastra build\)/);
    assert.match(r.stdout, /toolchain for build: node v22\./);
    assert.match(r.stdout, /found\s+\.mastra\/output\/index\.mjs/);
    assert.match(r.stdout, /✓ build \S+ succeeded/);
    assert.equal(hashTree(src), before, 'the build wrote into the source folder');
    const { builds } = await client.sendRequest(BuildListRequest, { project: src });
    assert.equal(builds.length, 1);
    assert.equal(builds[0]!.kind, 'mastra');
    assert.equal(builds[0]!.node?.source, 'runlens.json');
    assert.ok(fs.existsSync(path.join(builds[0]!.dir, '.mastra', 'output', 'index.mjs')));
  });

  it("runs the workflow; its spans reach the store with Mastra's span types and fields, tied to the server and run", async function () {
    this.timeout(180_000);
    const { builds } = await client.sendRequest(BuildListRequest, { project: src });
    assert.equal(builds[0]?.status, 'succeeded', 'needs the build of the test before');
    const started = await orClosed(client, client.sendRequest(ServersStartRequest, { project: src }));
    const server = started.servers.find((s) => s.name === 'mastra-agent');
    assert.equal(server?.status, 'running');
    assert.equal(server.buildId, builds[0]!.id, 'starts from the build made above');
    const port = server.port!;

    const run = await runTextReport(port, 'the cat and the hat sat on the mat');
    assert.equal(run.status, 'success', JSON.stringify(run));
    assert.equal(run.result?.report, '9 words, 34 characters, most frequent: "the"');

    // The exporter sends a batch at most 5 s (maxBatchWaitMs) after its first span.
    const trace = await waitFor('the workflow trace in the store', async () => {
      const { items } = await client.sendRequest(ListTracesRequest, { serverId: server.id, nameContains: 'text-report' });
      const found = items.find((t) => run.traceId === undefined || t.traceId === run.traceId);
      if (!found || found.spanCount < 4) return undefined;
      return client.sendRequest(GetTraceRequest, { traceId: found.traceId });
    }, 60_000);
    const spans = trace.spans;
    const [root] = byType(spans, 'workflow_run');
    assert.ok(root, `a workflow_run span among ${spans.map((s) => s.attributes['mastra.span_type']).join(', ')}`);
    assert.equal(root.name, "workflow run: 'text-report'");
    assert.equal(root.parentSpanId, undefined);
    assert.equal(root.attributes['mastra.entity_type'], 'workflow_run');
    assert.equal(root.attributes['mastra.entity_id'], 'text-report');
    assert.deepEqual(JSON.parse(root.attributes['mastra.input'] as string), { text: 'the cat and the hat sat on the mat' });
    assert.match(root.attributes['mastra.output'] as string, /9 words, 34 characters/);
    // Mastra's own run id is in the span metadata: the trace is this run's.
    assert.equal((root.attributes['mastra.metadata'] as { runId?: string }).runId, run.runId);

    const steps = byType(spans, 'workflow_step');
    assert.deepEqual(steps.map((s) => s.attributes['mastra.entity_id']).sort(), ['measure', 'report']);
    assert.ok(steps.every((s) => s.parentSpanId === root.spanId && s.attributes['mastra.entity_type'] === 'workflow_step'));
    const measure = steps.find((s) => s.attributes['mastra.entity_id'] === 'measure')!;
    const [tool] = byType(spans, 'tool_call');
    assert.ok(tool, 'a tool_call span');
    assert.equal(tool.name, "tool: 'word-stats'");
    assert.equal(tool.parentSpanId, measure.spanId);
    assert.equal(tool.attributes['mastra.entity_type'], 'tool');
    assert.equal(tool.attributes['mastra.entity_id'], 'word-stats');
    assert.deepEqual(JSON.parse(tool.attributes['mastra.output'] as string), { words: 9, characters: 34, topWord: 'the' });

    for (const s of spans) {
      assert.equal(s.serverId, server.id, `${s.name}: server`);
      assert.equal(s.runId, server.runId, `${s.name}: run`);
      assert.equal(s.service, 'mastra-agent', `${s.name}: service`);
      assert.equal(s.status, 0, `${s.name}: status`);
      assert.ok(BigInt(s.endTimeUnixNano!) >= BigInt(s.startTimeUnixNano), `${s.name}: ends after it starts`);
    }
    console.log(`      ${spans.length} spans: ${spans.map((s) => `${s.attributes['mastra.span_type']} ${s.name}`).join(' | ')}`);
  });
});
