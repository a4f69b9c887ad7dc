/**
 * Guessing a log line's level: from a JSON log's `level`/`severity` field (pino's numbers too),
 * from a leading level word, else from the stream (stderr → warn). Used for output channels and
 * for log records in the telemetry pipeline.
 */

export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';

const WORDS: Record<string, Level> = {
  trace: 'trace', debug: 'debug', info: 'info', notice: 'info', warn: 'warn', warning: 'warn',
  error: 'error', err: 'error', fatal: 'error', critical: 'error', crit: 'error', panic: 'error',
};

const PINO: [number, Level][] = [[50, 'error'], [40, 'warn'], [30, 'info'], [20, 'debug'], [0, 'trace']];

function fromValue(v: unknown): Level | undefined {
  if (typeof v === 'number') return PINO.find(([min]) => v >= min)?.[1];
  if (typeof v === 'string') return WORDS[v.toLowerCase()];
  return undefined;
}

const LEADING = /^\s*(?:\[[^\]]*\]\s*)?\[?(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL)\b/i;

export function guessLevel(text: string, stream: 'stdout' | 'stderr' | 'system'): Level {
  const plain = text.trimStart();
  if (plain.startsWith('{')) {
    try {
      const rec = JSON.parse(plain) as Record<string, unknown>;
      const level = fromValue(rec.level) ?? fromValue(rec.severity) ?? fromValue(rec.severityText) ?? fromValue(rec.lvl);
      if (level) return level;
    } catch {
      // Not JSON after all.
    }
  }
  const word = LEADING.exec(plain)?.[1];
  if (word) return WORDS[word.toLowerCase()] ?? 'info';
  return stream === 'stderr' ? 'warn' : 'info';
}
