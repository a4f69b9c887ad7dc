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

export { formatBytes, formatDuration } from '../../shared/format';
