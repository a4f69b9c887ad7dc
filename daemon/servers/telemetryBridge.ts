/**
 * Server and build output and resource samples as telemetry records. Ids are stable for the same input (run,
 * stream, line number), so lines read again after a daemon crash are dropped as repeats by the stores.
 * Server output goes as blocks (`lines` records) that the stores expand: see shared/telemetry/serverLines.ts.
 */
import { guessLevel } from '../../shared/logLevel';
import type { LogLine } from '../../shared/protocol/logs';
import type { ServerInfo } from '../../shared/protocol/servers';
import { stripAnsi } from '../../shared/ansi';
import type { TreeUsage } from '../health/resources';
import type { BuildLogBatch } from '../builds/service';
import type { ServerLinesRecord } from '../../shared/telemetry/serverLines';
import type { NewLog, NewMetric } from '../telemetry/service';

const msToNano = (ms: number): string => (BigInt(Math.round(ms)) * 1_000_000n).toString();

/**
 * A sink batch as `lines` records: one per run of consecutive lines of one stream (a read block).
 * Runlens's own separator lines are for the views, not for the app's telemetry.
 */
export function serverLineRecords(serverId: string, service: string, lines: readonly LogLine[]): ServerLinesRecord[] {
  const out: ServerLinesRecord[] = [];
  let block: ServerLinesRecord | undefined;
  for (const l of lines) {
    if (l.stream === 'system' || l.line === undefined) {
      block = undefined;
      continue;
    }
    if (!block || block.stream !== l.stream || block.runId !== l.runId || block.line + block.texts.length !== l.line) {
      block = { t: 'lines', serverId, runId: l.runId, service, stream: l.stream, line: l.line, timeUnixNano: msToNano(l.time), texts: [] };
      out.push(block);
    }
    block.texts.push(l.text);
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
