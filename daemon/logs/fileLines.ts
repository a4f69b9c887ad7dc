/**
 * Reads logged lines back from a run's files for pages older than the in-memory ring: starts at an
 * index entry's byte offset, follows the stream across its rotated copies and the live file, and
 * splits exactly as the tailer did (same splitter, same starting point), so line k of the entry is
 * the line that got seq `entry.seq + k`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LogLine } from '../../shared/protocol/logs';
import type { IndexEntry } from './lineIndex';
import { locateOffset, readRotationState } from './logRotation';
import { LineSplitter } from './lineSplitter';

const BLOCK = 256 * 1024;

/** Lines `skip` … `skip + take - 1` of a file entry; fewer when the bytes were rotated away. */
export function readEntryLines(entry: IndexEntry, runDir: string, skip: number, take: number): LogLine[] {
  if (entry.stream === 'system') return skip === 0 && take > 0 ? [systemLine(entry)] : [];
  const logFile = path.join(runDir, `${entry.stream}.log`);
  const rotation = readRotationState(logFile);
  const splitter = new LineSplitter();
  const out: LogLine[] = [];
  const buf = Buffer.allocUnsafe(BLOCK);
  let offset = entry.offset ?? 0;
  let k = 0;
  let first = true;
  while (k < skip + take) {
    const at = locateOffset(logFile, rotation, offset);
    if (!at) break;
    const bytes = readAt(at.file, buf, at.position, at.end === undefined ? BLOCK : Math.min(BLOCK, at.end - at.position));
    if (bytes === 0) {
      // End of the file: an unterminated last line was only numbered if its run had ended.
      for (const part of splitter.flush()) {
        if (k >= skip && k < skip + take) out.push(fileLine(entry, k, part.text, part.partial));
        k++;
      }
      break;
    }
    offset += bytes;
    // A copy: the splitter keeps a view of an unfinished line, and the next read reuses `buf`.
    let chunk = Buffer.from(buf.subarray(0, bytes));
    if (first && entry.skipLf && chunk[0] === 0x0a) chunk = chunk.subarray(1);
    first = false;
    for (const part of splitter.push(chunk)) {
      if (k >= skip && k < skip + take) out.push(fileLine(entry, k, part.text, part.partial));
      k++;
    }
  }
  return out;
}

function readAt(file: string, buf: Buffer, position: number, length: number): number {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    return fs.readSync(fd, buf, 0, length, position);
  } catch {
    return 0;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function fileLine(entry: IndexEntry, k: number, text: string, partial: boolean): LogLine {
  const line: LogLine = { seq: entry.seq + k, time: entry.time, stream: entry.stream, text, runId: entry.run, line: (entry.line ?? 1) + k };
  if (partial) line.partial = true;
  return line;
}

function systemLine(entry: IndexEntry): LogLine {
  return { seq: entry.seq, time: entry.time, stream: 'system', text: entry.text ?? '', runId: entry.run };
}
