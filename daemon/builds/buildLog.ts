/**
 * A build's log: `build.log` in the build's directory, one line per output line as
 * `<ISO time> <stream> <step> <text>`. Lines are numbered (`seq`, the line number in the file),
 * written in batches and handed in the same batches to listeners (live subscribers, telemetry).
 */
import * as fs from 'node:fs';
import { BUILD_STEPS, type BuildLogLine, type BuildLogStream, type BuildStep } from '../../shared/protocol';

/** A batch goes out after this long, or sooner when it reaches `BATCH_LINES`. */
const BATCH_MS = 50;
const BATCH_LINES = 1000;

export class BuildLogWriter {
  private seq = 0;
  private batch: BuildLogLine[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly out: fs.WriteStream;
  /** The last lines of each step, for the failure message. */
  private readonly tails = new Map<BuildStep, string[]>();

  constructor(file: string, private readonly onBatch: (lines: BuildLogLine[]) => void) {
    this.out = fs.createWriteStream(file, { flags: 'a', mode: 0o600 });
    this.out.on('error', () => undefined);
  }

  write(stream: BuildLogStream, step: BuildStep, text: string): void {
    const line: BuildLogLine = { seq: ++this.seq, time: Date.now(), stream, step, text };
    this.batch.push(line);
    if (stream !== 'system') this.remember(step, text);
    if (this.batch.length >= BATCH_LINES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  /** The last `n` output lines (stdout and stderr) of `step`. */
  tail(step: BuildStep, n = 20): string[] {
    return (this.tails.get(step) ?? []).slice(-n);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.length === 0) return;
    const lines = this.batch;
    this.batch = [];
    this.out.write(lines.map(formatLine).join(''));
    this.onBatch(lines);
  }

  async close(): Promise<void> {
    this.flush();
    await new Promise<void>((resolve) => this.out.end(resolve));
  }

  private remember(step: BuildStep, text: string): void {
    let t = this.tails.get(step);
    if (!t) this.tails.set(step, (t = []));
    t.push(text);
    if (t.length > 100) t.splice(0, t.length - 50);
  }
}

export function formatLine(l: BuildLogLine): string {
  return `${new Date(l.time).toISOString()} ${l.stream} ${l.step} ${l.text}\n`;
}

const LINE = new RegExp(`^(\\S+) (stdout|stderr|system) (${BUILD_STEPS.join('|')}) ?(.*)$`);

export function parseLine(raw: string, seq: number): BuildLogLine {
  const m = LINE.exec(raw);
  if (!m) return { seq, time: 0, stream: 'system', step: 'prepare', text: raw };
  return { seq, time: Date.parse(m[1]!), stream: m[2] as BuildLogStream, step: m[3] as BuildStep, text: m[4]! };
}

export interface ReadOptions {
  tail?: number;
  since?: number;
}

/** Lines of a finished or running build's log; missing file means no lines yet. */
export async function readBuildLog(file: string, opts: ReadOptions = {}): Promise<BuildLogLine[]> {
  const text = await fs.promises.readFile(file, 'utf8').catch(() => '');
  const raw = text.split('\n');
  if (raw[raw.length - 1] === '') raw.pop();
  let lines = raw.map((r, i) => parseLine(r, i + 1));
  if (opts.since !== undefined) lines = lines.filter((l) => l.time >= opts.since!);
  if (opts.tail !== undefined) lines = lines.slice(Math.max(0, lines.length - opts.tail));
  return lines;
}
