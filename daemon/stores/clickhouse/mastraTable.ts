/**
 * Mastra's own ClickHouse trace table. An app using `@mastra/clickhouse` storage writes its AI
 * spans to `mastra_ai_spans` (a ReplacingMergeTree(updatedAt) keyed by traceId and spanId, JSON
 * kept in String columns, times as DateTime64(3)). When the configured database has that table,
 * the ClickHouse store copies new rows into its own `spans` table every few seconds, normalized
 * the same way as Mastra's JSONL and exporter spans, so every query and the trace views see
 * them. Rows are read from a watermark on `updatedAt` (else `createdAt`, else `startedAt`) kept
 * in a small state file; rows at the watermark itself are read again, which the store's
 * identity keys absorb. Columns are discovered, not assumed: Mastra has added some over time.
 */
import * as fs from 'node:fs';
import type { SpanRecord } from '../../../shared/telemetry/model';
import type { Logger } from '../../log';
import { mastraSpan } from '../../telemetry/mastra/records';
import type { Obj } from '../../telemetry/otlp/values';
import { int } from './schema';

export const MASTRA_SPANS_TABLE = 'mastra_ai_spans';
const PAGE = 5000;
const JSON_COLUMNS = ['attributes', 'metadata', 'input', 'output', 'error', 'links', 'scope'];
const TEXT_COLUMNS = ['traceId', 'spanId', 'parentSpanId', 'name', 'spanType'];
const TIME_COLUMNS = ['startedAt', 'endedAt', 'updatedAt', 'createdAt'];

export interface MastraTableDeps {
  rows<T>(query: string): Promise<T[]>;
  insertSpans(spans: SpanRecord[]): Promise<void>;
  stateFile: string;
  log: Logger;
}

export class MastraSpanTable {
  /** Column name → ClickHouse type, once the table was found; null when it is absent. */
  private columns: Map<string, string> | null | undefined;

  constructor(private readonly deps: MastraTableDeps) {}

  /** Copies rows newer than the watermark; returns how many spans were copied. */
  async importNew(): Promise<number> {
    this.columns ??= await this.discover();
    if (!this.columns) return 0;
    const mark = this.columns.has('updatedAt') ? 'updatedAt' : this.columns.has('createdAt') ? 'createdAt' : 'startedAt';
    let copied = 0;
    for (;;) {
      const from = this.watermark();
      const rows = await this.deps.rows<Obj & { _mark: string }>(
        `SELECT ${this.selectList()}, ${this.ms(mark)} AS _mark FROM ${MASTRA_SPANS_TABLE}
         WHERE ${this.ms(mark)} >= ${int(from)} ORDER BY _mark, traceId, spanId LIMIT ${PAGE} OFFSET ${int(this.offsetAt(from))}`,
      );
      if (rows.length === 0) return copied;
      const spans: SpanRecord[] = [];
      for (const r of rows) {
        const s = mastraSpan(this.toMastraShape(r), { service: 'mastra' });
        if (typeof s === 'string') this.deps.log.warn(`${MASTRA_SPANS_TABLE}: skipped a row: ${s}`);
        else spans.push(s);
      }
      await this.deps.insertSpans(spans);
      copied += spans.length;
      this.advance(rows.map((r) => Number(r._mark)));
      if (rows.length < PAGE) return copied;
    }
  }

  private async discover(): Promise<Map<string, string> | null> {
    const cols = await this.deps.rows<{ name: string; type: string }>(
      `SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = '${MASTRA_SPANS_TABLE}'`,
    );
    if (cols.length === 0 || !cols.some((c) => c.name === 'traceId') || !cols.some((c) => c.name === 'startedAt')) return null;
    this.deps.log.info(`ClickHouse database has Mastra's ${MASTRA_SPANS_TABLE}; its spans are copied into the Runlens trace views`);
    return new Map(cols.map((c) => [c.name, c.type]));
  }

  /** Epoch milliseconds of a time column, for DateTime64 (Mastra) and plain DateTime alike. */
  private ms(col: string): string {
    const type = this.columns?.get(col) ?? '';
    const v = type.includes('DateTime64') ? `toUnixTimestamp64Milli(assumeNotNull(${col}))` : `toUInt64(assumeNotNull(${col})) * 1000`;
    return type.startsWith('Nullable') ? `if(isNull(${col}), 0, ${v})` : v;
  }

  private selectList(): string {
    const parts: string[] = [];
    for (const c of TEXT_COLUMNS) if (this.columns!.has(c)) parts.push(c);
    for (const c of JSON_COLUMNS) if (this.columns!.has(c)) parts.push(c);
    for (const c of TIME_COLUMNS) if (this.columns!.has(c)) parts.push(`${this.ms(c)} AS ${c}_ms`);
    if (this.columns!.has('isEvent')) parts.push('toUInt8(isEvent) AS isEvent');
    return parts.join(', ');
  }

  private toMastraShape(r: Obj): Obj {
    const d: Obj = {};
    for (const c of TEXT_COLUMNS) if (r[c] !== undefined && r[c] !== null && r[c] !== '') d[c] = r[c];
    for (const c of JSON_COLUMNS) d[c] = parseJson(r[c]);
    for (const c of TIME_COLUMNS) {
      const v = Number(r[`${c}_ms`]);
      if (v > 0) d[c] = v;
    }
    d.isEvent = Number(r.isEvent) === 1;
    return d;
  }

  // Watermark state: the last mark read and how many rows carried exactly that mark, so a page
  // boundary inside one millisecond neither skips nor loops.
  private state(): { mark: number; atMark: number } {
    try {
      const s = JSON.parse(fs.readFileSync(this.deps.stateFile, 'utf8')) as { mark?: number; atMark?: number };
      return { mark: Number(s.mark ?? 0), atMark: Number(s.atMark ?? 0) };
    } catch {
      return { mark: 0, atMark: 0 };
    }
  }

  private watermark(): number {
    return this.state().mark;
  }

  private offsetAt(from: number): number {
    const s = this.state();
    return s.mark === from ? s.atMark : 0;
  }

  private advance(marks: number[]): void {
    const prev = this.state();
    const last = marks[marks.length - 1]!;
    const atLast = marks.filter((m) => m === last).length;
    const next = { mark: last, atMark: last === prev.mark ? prev.atMark + atLast : atLast };
    const tmp = `${this.deps.stateFile}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(next), { mode: 0o600 });
    fs.renameSync(tmp, this.deps.stateFile);
  }
}

function parseJson(v: unknown): unknown {
  if (typeof v !== 'string' || v === '') return v === '' ? undefined : v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}
