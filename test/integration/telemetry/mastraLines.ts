/**
 * Mastra observability JSONL for telemetry tests: span lines (10 spans per trace, ids from the
 * line number, so the same line always names the same span), the watched folder of a run, and the
 * span count a store reports.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { TelemetryStatsRequest } from '../../../shared/protocol';

export function mastraSpanLine(i: number, t0: number): string {
  const trace = (Math.floor(i / 10) + 1).toString(16).padStart(32, '0');
  const span = (i + 1).toString(16).padStart(16, '0');
  const parent = i % 10 === 0 ? null : (Math.floor(i / 10) * 10 + 1).toString(16).padStart(16, '0');
  const start = new Date(t0 + i).toISOString();
  const end = new Date(t0 + i + 3).toISOString();
  return JSON.stringify({ type: 'span', data: { traceId: trace, spanId: span, parentSpanId: parent, name: i % 10 === 0 ? 'agent_run' : 'tool_call', spanType: i % 10 === 0 ? 'agent_run' : 'tool_call', attributes: { n: i }, startedAt: start, endedAt: end, input: { q: i }, output: null, error: null, isEvent: false } });
}

/** Lines `from` to `from + n - 1`, newline-terminated. */
export function mastraSpanText(from: number, n: number, t0: number): string {
  return Array.from({ length: n }, (_, i) => mastraSpanLine(from + i, t0)).join('\n') + '\n';
}

/** A file in the watched observability folder of a (made-up) run under `home`. */
export function observabilityFile(home: string, name: string): string {
  const dir = path.join(home, 'projects', 'p1', 'runs', 'r1', 'observability', 'span', 'p1');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

export async function spansIn(client: MessageConnection, backend: 'local' | 'clickhouse'): Promise<number> {
  const s = await client.sendRequest(TelemetryStatsRequest, {});
  return s.stores.find((x) => x.backend === backend)?.spans ?? -1;
}

/** Points the daemon of `home` at a ClickHouse database before it starts. */
export function useClickHouse(home: string, url: string, database: string): void {
  fs.mkdirSync(path.join(home, 'telemetry'), { recursive: true });
  fs.writeFileSync(path.join(home, 'telemetry', 'settings.json'), JSON.stringify({ clickhouse: { url, database } }));
}
