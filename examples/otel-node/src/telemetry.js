// OpenTelemetry setup: the Node SDK with OTLP/HTTP exporters for traces, metrics and logs, and the
// code-source span processor. The
// exporters read OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318) and the SDK reads
// OTEL_SERVICE_NAME; Runlens sets both when it starts the server.
import { logs } from '@opentelemetry/api-logs';
import { metrics, trace } from '@opentelemetry/api';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK, tracing } from '@opentelemetry/sdk-node';
import { CodeSourceSpanProcessor } from './codeSource.js';

const sdk = new NodeSDK({
  resource: resourceFromAttributes({ 'service.name': process.env.OTEL_SERVICE_NAME || 'otel-node' }),
  // Source locations first (a processor's onStart runs while the span's caller is on the stack),
  // then the exporter. `traced` in server.js wraps startActiveSpan: spans point at its callers.
  spanProcessors: [
    new CodeSourceSpanProcessor({ skipFunctions: ['traced'] }),
    new tracing.BatchSpanProcessor(new OTLPTraceExporter()),
  ],
  metricReaders: [
    new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter(),
      exportIntervalMillis: Number(process.env.OTEL_METRIC_EXPORT_INTERVAL) || 5000,
    }),
  ],
  logRecordProcessors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter() })],
});
sdk.start();

export const tracer = trace.getTracer('otel-node');
export const meter = metrics.getMeter('otel-node');
export const logger = logs.getLogger('otel-node');

/** Flushes what is buffered; call before exiting. */
export function shutdownTelemetry() {
  return sdk.shutdown();
}
