/**
 * Pages of log lines older than the ring, read back from the run files through the line index.
 * A grep that matches rarely could otherwise read gigabytes for one page, so each call reads at
 * most a budget of lines and says where it stopped; the client continues from there.
 */
import type { LogLine } from '../../shared/protocol/logs';
import type { LineIndex } from './lineIndex';
import { readEntryLines } from './fileLines';

export interface FilePageRequest {
  /** Seqs in [from, to) are eligible. */
  from: number;
  to: number;
  limit: number;
  /** Newest first (backwards paging) or oldest first (catching up after `since`). */
  backwards: boolean;
  keep?: (line: LogLine) => boolean;
  /** Lines read at most; default 200,000. */
  budget?: number;
}

export interface FilePage {
  /** Oldest first. */
  lines: LogLine[];
  /** Eligible lines exist beyond the returned ones. */
  more: boolean;
  /** Set when the budget ran out: the seq the scan reached (exclusive bound to continue from). */
  scannedTo?: number;
}

export function readFilePage(index: LineIndex, runDirOf: (runId: string) => string, req: FilePageRequest): FilePage {
  const budget = req.budget ?? 200_000;
  const picked: LogLine[] = [];
  let read = 0;
  const first = index.find(req.backwards ? req.to - 1 : req.from);
  const start = first === -1 && !req.backwards ? 0 : first;
  const step = req.backwards ? -1 : 1;
  for (let i = start; i >= 0; i += step) {
    const entry = index.at(i);
    if (!entry) break;
    const lo = Math.max(entry.seq, req.from);
    const hi = Math.min(index.entryEnd(i), req.to);
    if (!req.backwards && entry.seq >= req.to) break;
    if (req.backwards && index.entryEnd(i) <= req.from) break;
    if (hi <= lo) continue;
    const lines = readEntryLines(entry, runDirOf(entry.run), lo - entry.seq, hi - lo);
    read += lines.length;
    const ordered = req.backwards ? lines.reverse() : lines;
    for (const line of ordered) {
      if (req.keep && !req.keep(line)) continue;
      if (picked.length === req.limit) return finish(picked, true, req.backwards);
      picked.push(line);
    }
    if (read >= budget) {
      const edge = req.backwards ? lo : hi;
      const done = req.backwards ? edge <= req.from : edge >= req.to;
      return { ...finish(picked, !done, req.backwards), scannedTo: done ? undefined : edge };
    }
  }
  return finish(picked, false, req.backwards);
}

function finish(picked: LogLine[], more: boolean, backwards: boolean): FilePage {
  return { lines: backwards ? picked.reverse() : picked, more };
}
