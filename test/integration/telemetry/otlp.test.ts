/**
 * The real daemon's OTLP receiver fed by the real OpenTelemetry Node SDK exporters (protobuf and
 * JSON), plus the failure answers: garbage, bad gzip, oversized bodies, partly invalid batches.
 */
import * as assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { LoggerProvider, BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { SpanStatusCode } from '@opentelemetry/api';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { ListTracesRequest, GetTraceRequest, SearchLogsRequest, MetricSeriesRequest, TelemetryStatsRequest } from '../../../shared/protocol';
import { cliJson, connectClient, stopAll, tempHome, waitFor } from '../helpers';

async function sendSpans(exporter: SpanExporter, service: string, n: number): Promise<string> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new BatchSpanProcessor(exporter, { maxExportBatchSize: 512, maxQueueSize: 100_000 })],
  });
  const tracer = provider.getTracer('otlp-test');
  const root = tracer.startSpan(`${service} root`, { attributes: { 'http.route': '/x', 'code.lineno': 12 } });
  const traceId = root.spanContext().traceId;
  const ctx = (await import('@opentelemetry/api')).trace.setSpan((await import('@opentelemetry/api')).context.active(), root);
  for (let i = 0; i < n - 1; i++) {
    const child = tracer.startSpan(`child ${i}`, { attributes: { i } }, ctx);
    if (i === 0) child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
    child.end();
  }
  root.end();
  await provider.forceFlush();
  await provider.shutdown();
  return traceId;
}

describe('OTLP receiver (real daemon, OpenTelemetry SDK exporters)', function () {
  this.timeout(60_000);
  let home: string;
  let client: MessageConnection;
  let endpoint: string;

  before(async () => {
    process.env.RUNLENS_OTLP_PORT = '0';
    home = tempHome('rl-otlp-');
    const status = await cliJson<{ otlpEndpoint?: string }>(['daemon', 'start'], home);
    assert.equal(status.code, 0);
    endpoint = await waitFor('the OTLP endpoint in daemon status', async () => (await cliJson<{ otlpEndpoint?: string }>(['daemon', 'status'], home)).json.otlpEndpoint);
    assert.match(endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    client = await connectClient(home);
  });
  after(async () => {
    client?.dispose();
    await stopAll(home);
    delete process.env.RUNLENS_OTLP_PORT;
  });

  async function traceSpans(traceId: string, n: number): Promise<number> {
    return waitFor(`${n} spans of ${traceId}`, async () => {
      const t = await client.sendRequest(GetTraceRequest, { traceId });
      return t.spans.length === n ? n : undefined;
    }, 20_000);
  }

  it('ingests protobuf spans from the SDK exporter', async () => {
    const traceId = await sendSpans(new ProtoTraceExporter({ url: `${endpoint}/v1/traces` }), 'proto-svc', 300);
    await traceSpans(traceId, 300);
    const page = await client.sendRequest(ListTracesRequest, { service: 'proto-svc' });
    assert.equal(page.items.length, 1);
    assert.deepEqual([page.items[0]!.rootName, page.items[0]!.spanCount, page.items[0]!.errorCount], ['proto-svc root', 300, 1]);
    const t = await client.sendRequest(GetTraceRequest, { traceId });
    const root = t.spans.find((s) => !s.parentSpanId)!;
    assert.equal(root.attributes['code.lineno'], 12);
    assert.match(root.startTimeUnixNano, /^\d{19}$/);
  });

  it('ingests JSON spans, logs and metrics from the SDK exporters', async () => {
    const traceId = await sendSpans(new JsonTraceExporter({ url: `${endpoint}/v1/traces` }), 'json-svc', 50);
    await traceSpans(traceId, 50);

    const logs = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'json-svc' }),
      processors: [new BatchLogRecordProcessor(new OTLPLogExporter({ url: `${endpoint}/v1/logs` }))],
    });
    logs.getLogger('t').emit({ body: 'hello from the sdk', severityNumber: 13, severityText: 'WARN', attributes: { k: 'v' } });
    await logs.forceFlush();
    await logs.shutdown();
    await waitFor('the SDK log', async () => (await client.sendRequest(SearchLogsRequest, { text: 'hello from the SDK' })).items[0]);
    const [log] = (await client.sendRequest(SearchLogsRequest, { text: 'hello from' })).items;
    assert.deepEqual([log!.level, log!.source, log!.service], ['warn', 'app', 'json-svc']);

    const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${endpoint}/v1/metrics` }), exportIntervalMillis: 60_000 });
    const meter = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'json-svc' }), readers: [reader] });
    meter.getMeter('t').createCounter('jobs.done').add(7, { queue: 'a' });
    meter.getMeter('t').createHistogram('job.ms').record(40);
    await meter.forceFlush();
    await meter.shutdown();
    const now = Date.now();
    const series = await waitFor('the SDK metric', async () => {
      const s = await client.sendRequest(MetricSeriesRequest, { name: 'jobs.done', fromMs: now - 600_000, toMs: now + 60_000, bucketMs: 60_000, aggregation: 'max' });
      return s.points.length > 0 ? s : undefined;
    });
    assert.equal(series.points[0]!.v, 7);
    assert.equal(series.kind, 'sum');
  });

  it('gzip bodies are inflated', async () => {
    const body = zlib.gzipSync(JSON.stringify(otlpJson('0AF7651916CD43DD8448EB211C80319C', 'B7AD6B7169203331')));
    const r = await fetch(`${endpoint}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
    assert.equal(r.status, 200);
    // Upper-case hex ids are accepted and stored lower-case.
    await traceSpans('0af7651916cd43dd8448eb211c80319c', 1);
  });

  it('rejects garbage with 400, oversize with 413, bad items with partialSuccess, and stays up', async () => {
    const post = (path: string, body: BodyInit, headers: Record<string, string>) => fetch(`${endpoint}${path}`, { method: 'POST', body, headers });
    for (let i = 0; i < 20; i++) {
      const garbage = Buffer.from(Array.from({ length: 200 + i * 37 }, (_, j) => (j * 7919 + i) % 256));
      assert.equal((await post('/v1/traces', garbage, { 'content-type': 'application/x-protobuf' })).status, 400);
      assert.equal((await post('/v1/logs', garbage, { 'content-type': 'application/json' })).status, 400);
    }
    const badJson = await post('/v1/traces', '{"resourceSpans": [', { 'content-type': 'application/json' });
    assert.equal(badJson.status, 400);
    assert.match(((await badJson.json()) as { message: string }).message, /cannot decode OTLP JSON/);
    assert.equal((await post('/v1/traces', 'not gzip', { 'content-type': 'application/json', 'content-encoding': 'gzip' })).status, 400);
    assert.equal((await post('/v1/traces', '{}', { 'content-type': 'text/plain' })).status, 415);
    const big = await post('/v1/traces', Buffer.alloc(21 * 1024 * 1024, 0x20), { 'content-type': 'application/json' });
    assert.equal(big.status, 413);
    const partial = otlpJson('0af7651916cd43dd8448eb211c80319d', 'b7ad6b7169203332');
    partial.resourceSpans[0]!.scopeSpans[0]!.spans.push({ ...partial.resourceSpans[0]!.scopeSpans[0]!.spans[0]!, traceId: 'xyz' });
    const pr = await post('/v1/traces', JSON.stringify(partial), { 'content-type': 'application/json' });
    assert.equal(pr.status, 200);
    const answer = (await pr.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    assert.equal(answer.partialSuccess.rejectedSpans, '1');
    assert.match(answer.partialSuccess.errorMessage, /invalid traceId/);
    const stats = await client.sendRequest(TelemetryStatsRequest, {});
    assert.ok(stats.quarantined >= 42, `quarantined ${stats.quarantined}`);
  });
});

function otlpJson(traceId: string, spanId: string) {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'gzip-svc' } }] },
      scopeSpans: [{
        scope: { name: 't' },
        spans: [{ traceId, spanId, name: 'op', kind: 2, startTimeUnixNano: String(now), endTimeUnixNano: Number(now / 1000n) * 1000 + 5_000_000, unknownField: 1 } as Record<string, unknown>],
      }],
    }],
  };
}
