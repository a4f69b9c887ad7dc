/**
 * Server and build output and resource samples as telemetry records. Ids are stable for the same input (run,
 * stream, line number), so lines read again after a daemon crash are dropped as repeats by the stores.
 */
import { guessLevel } from '../../shared/logLevel';
import type { LogLine } from '../../shared/protocol/logs';
import type { ServerInfo } from '../../shared/protocol/servers';
import { stripAnsi } from '../../shared/ansi';
import type { TreeUsage } from '../health/resources';
import type { BuildLogBatch } from '../builds/service';
import type { NewLog, NewMetric } from '../telemetry/service';

const msToNano = (ms: number): string => (BigInt(Math.round(ms)) * 1_000_000n).toString();

/** Shared, frozen: a fresh attributes object per line of a log flood was garbage for nothing. */
const STREAM_ATTRIBUTES = { stdout: Object.freeze({ 'log.iostream': 'stdout' }), stderr: Object.freeze({ 'log.iostream': 'stderr' }) };

export function serverLogRecords(serverId: string, service: string, lines: readonly LogLine[]): NewLog[] {
  const out: NewLog[] = [];
  // Lines of one batch mostly share their millisecond: one BigInt conversion per distinct time.
  let lastMs = NaN;
  let lastNs = '';
  for (const l of lines) {
    // Runlens's own separator lines are for the views, not for the app's telemetry.
    if (l.stream === 'system' || l.line === undefined) continue;
    const message = stripAnsi(l.text);
    if (l.time !== lastMs) {
      lastMs = l.time;
      lastNs = msToNano(l.time);
    }
    out.push({
      id: `log:${l.runId}:${l.stream}:${l.line}`,
      timeUnixNano: lastNs,
      level: guessLevel(message, l.stream),
      message,
      source: 'server',
      serverId,
      runId: l.runId,
      service,
      attributes: STREAM_ATTRIBUTES[l.stream],
    });
  }
  return out;
}

export function buildLogRecords(batch: BuildLogBatch): NewLog[] {
  return batch.lines.map((l) => {
    const message = stripAnsi(l.text);
    return {
      id: `build:${batch.buildId}:${l.seq}`,
      timeUnixNano: msToNano(l.time),
      level: guessLevel(message, l.stream),
      message,
      source: 'build' as const,
      service: batch.projectName,
      attributes: { 'runlens.build.id': batch.buildId, 'runlens.build.step': l.step, 'runlens.project.id': batch.projectId, 'log.iostream': l.stream },
    };
  });
}

/** CPU and memory points of one sampling round, every server's. */
export function usageMetrics(samples: readonly { server: ServerInfo; usage: TreeUsage }[], at: number): NewMetric[] {
  return samples.flatMap(({ server, usage }) => serverUsageMetrics(server, usage, at));
}

function serverUsageMetrics(server: ServerInfo, usage: TreeUsage, at: number): NewMetric[] {
  const common = { timeUnixNano: msToNano(at), serverId: server.id, runId: server.runId, service: server.name, kind: 'gauge' as const };
  const attributes = { 'runlens.server': server.name, 'process.count': usage.pids.length };
  return [
    { ...common, id: `cpu:${server.id}:${at}`, name: 'process.cpu.utilization', unit: '1', value: usage.cpuPercent / 100, attributes },
    { ...common, id: `rss:${server.id}:${at}`, name: 'process.memory.rss', unit: 'By', value: usage.rssBytes, attributes },
  ];
}
