/** `runlens traces` and `runlens logs --grep`: the telemetry queries from a terminal. */
import { ListTracesRequest, SearchLogsRequest } from '../../shared/protocol';
import type { TelemetryBackend } from '../../shared/protocol/telemetry';
import { orClosed } from '../../shared/node/rpcClient';
import type { ParsedArgs } from './args';
import { Exit, UsageError } from './args';
import { attachOrStart } from './connect';
import type { Output } from './output';

function backendOf(args: ParsedArgs): TelemetryBackend | undefined {
  const b = args.values.get('--backend');
  if (b === undefined) return undefined;
  if (b !== 'local' && b !== 'clickhouse') throw new UsageError(`--backend must be local or clickhouse, not '${b}'`);
  return b;
}

function sinceMs(args: ParsedArgs): number | undefined {
  const s = args.values.get('--since');
  if (s === undefined) return undefined;
  const m = /^(\d+)([smhd])$/.exec(s);
  if (!m) throw new UsageError(`--since takes a duration like 30s, 15m, 2h or 7d, not '${s}'`);
  return Date.now() - Number(m[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

function limitOf(args: ParsedArgs, dflt: number): number {
  const raw = args.values.get('--tail');
  const n = raw === undefined ? dflt : Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--tail must be a positive number, not '${raw}'`);
  return n;
}

export async function tracesCommand(args: ParsedArgs, home: string, out: Output): Promise<number> {
  const { connection } = await attachOrStart(home, `runlens traces (cli pid ${process.pid})`);
  const page = await orClosed(connection, connection.sendRequest(ListTracesRequest, {
    backend: backendOf(args),
    fromMs: sinceMs(args),
    serverId: args.positionals[1],
    sort: args.flags.has('--slowest') ? 'duration' : 'start',
    status: args.flags.has('--errors') ? 'error' : undefined,
    limit: limitOf(args, 20),
  }));
  connection.dispose();
  const rows = page.items.map((t) => {
    const start = new Date(Number(BigInt(t.startTimeUnixNano) / 1_000_000n)).toISOString().replace('T', ' ').slice(0, 23);
    const status = t.errorCount > 0 ? `${t.errorCount} err` : 'ok';
    return `${start}  ${t.traceId}  ${t.durationMs.toFixed(1).padStart(9)} ms  ${String(t.spanCount).padStart(5)}  ${status.padEnd(7)}  ${t.rootName}`;
  });
  const header = `${'start (UTC)'.padEnd(23)}  ${'trace id'.padEnd(32)}  ${'duration'.padStart(12)}  spans  status   root`;
  out.result(page, page.items.length === 0 ? 'No traces yet. Apps send OTLP to the endpoint in `runlens daemon status`.' : [header, ...rows].join('\n'));
  return Exit.ok;
}

export async function logsGrepCommand(args: ParsedArgs, home: string, out: Output): Promise<number> {
  const { connection } = await attachOrStart(home, `runlens logs (cli pid ${process.pid})`);
  const page = await orClosed(connection, connection.sendRequest(SearchLogsRequest, {
    backend: backendOf(args),
    text: args.values.get('--grep'),
    fromMs: sinceMs(args),
    serverId: args.positionals[1],
    limit: limitOf(args, 100),
  }));
  connection.dispose();
  const lines = [...page.items].reverse().map((l) => {
    const time = new Date(Number(BigInt(l.timeUnixNano) / 1_000_000n)).toISOString();
    return `${time} ${l.level.toUpperCase().padEnd(5)} [${l.serverId ?? l.service ?? l.source}] ${l.message}`;
  });
  out.result(page, lines.length ? lines.join('\n') : 'No matching log records.');
  return Exit.ok;
}
