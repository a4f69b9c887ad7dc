/**
 * The quarantine: input that could not be turned into records, with where it came from and why,
 * one JSON object per line in `telemetry/quarantine.jsonl`. Writing here never throws; a full
 * disk must not stop the pipeline. The file rotates once past a size limit so garbage cannot fill
 * the disk.
 */
import * as fs from 'node:fs';
import type { Logger } from '../log';

export interface QuarantineEntry {
  /** A file path, or `otlp:/v1/traces` and the like for request bodies. */
  source: string;
  /** 1-based line number in a file, when the input was a file. */
  line?: number;
  reason: string;
  /** The offending input, cut to a readable length. */
  text?: string;
}

const MAX_TEXT = 2048;
const ROTATE_BYTES = 64 * 1024 * 1024;

export class Quarantine {
  private count = 0;
  private warned = false;

  constructor(readonly file: string, private readonly log: Logger) {}

  add(entry: QuarantineEntry): void {
    this.count++;
    const record = {
      time: new Date().toISOString(),
      ...entry,
      text: entry.text && entry.text.length > MAX_TEXT ? `${entry.text.slice(0, MAX_TEXT)}…` : entry.text,
    };
    try {
      rotateIfLarge(this.file);
      fs.appendFileSync(this.file, JSON.stringify(record) + '\n', { mode: 0o600 });
    } catch (err) {
      if (!this.warned) this.log.error(`cannot write quarantine ${this.file}: ${(err as Error).message}; free disk space`);
      this.warned = true;
    }
  }

  /** Entries added since the daemon started. */
  total(): number {
    return this.count;
  }
}

function rotateIfLarge(file: string): void {
  try {
    if (fs.statSync(file).size > ROTATE_BYTES) fs.renameSync(file, `${file}.1`);
  } catch {
    // No file yet.
  }
}
