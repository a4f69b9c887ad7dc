/**
 * The sending side of the OTLP benchmark, run as its own process so its protobuf encoding does
 * not share the receiver's event loop: the OpenTelemetry Node SDK's protobuf trace exporter
 * sends the same batch of real SDK spans until `total` spans went out, `inFlight` exports at a
 * time. Prints `{"sent":n,"ms":t,"failed":f}`.
 * Usage: tsx bench/otlpSender.ts <endpoint> <total> <batch> <inFlight>
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { context, trace } from '@opentelemetry/api';

function makeSpans(n: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench-api' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('runlens-bench');
  for (let t = 0; t < n / 10; t++) {
    const root = tracer.startSpan('GET /api/items', { kind: 1, attributes: { 'http.route': '/api/items', 'http.response.status_code': 200 } });
    const ctx = trace.setSpan(context.active(), root);
    for (let c = 0; c < 9; c++) tracer.startSpan('db.query', { attributes: { 'db.system': 'postgresql', 'db.statement': 'SELECT * FROM items WHERE id = $1', i: c } }, ctx).end();
    root.end();
  }
  return memory.getFinishedSpans();
}

async function main(): Promise<void> {
  const [endpoint, totalArg, batchArg, inFlightArg] = process.argv.slice(2);
  const total = Number(totalArg);
  const spans = makeSpans(Number(batchArg));
  const exporter = new OTLPTraceExporter({ url: `${endpoint}/v1/traces`, concurrencyLimit: Number(inFlightArg) * 2 });
  type Result = Parameters<Parameters<OTLPTraceExporter['export']>[1]>[0];
  const exportOnce = (): Promise<Result> => new Promise((resolve) => exporter.export(spans, resolve));
  let sent = 0;
  let failed = 0;
  const t = performance.now();
  const lane = async (): Promise<void> => {
    while (sent < total) {
      sent += spans.length;
      const r = await exportOnce();
      if (r.code !== 0) failed += spans.length; // 0 is ExportResultCode.SUCCESS
    }
  };
  await Promise.all(Array.from({ length: Number(inFlightArg) }, lane));
  const ms = performance.now() - t;
  await exporter.shutdown();
  process.stdout.write(JSON.stringify({ sent, ms, failed }) + '\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
