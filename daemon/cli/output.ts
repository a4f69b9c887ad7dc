/** How the CLI prints: human text on stdout, or exactly one JSON document with `--json`. */

export interface Output {
  readonly json: boolean;
  /** Prints `human` as text, or `data` as the single JSON document. */
  result(data: unknown, human: string): void;
  /** An error: text on stderr, or `{ "error": ... }` as the JSON document. */
  error(message: string, data?: Record<string, unknown>): void;
}

export function createOutput(json: boolean, stdout = process.stdout, stderr = process.stderr): Output {
  return {
    json,
    result(data, human) {
      if (json) stdout.write(JSON.stringify(data, null, 2) + '\n');
      else stdout.write(human.endsWith('\n') ? human : human + '\n');
    },
    error(message, data) {
      if (json) stdout.write(JSON.stringify({ error: message, ...data }, null, 2) + '\n');
      else stderr.write(`runlens: ${message}\n`);
    },
  };
}

export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${m % 60}m`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}
