/**
 * Segment retention. A segment is removed once every store has read past it and it is older than
 * the age limit (the local store may need to rebuild from the rest). The segments are also the
 * buffer while a store is down, so their total size is capped: past the cap the oldest go even if
 * a store has not read them, and the log says so, rather than filling the disk.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Checkpoint, RetentionPolicy } from '../../shared/telemetry/query';
import type { Logger } from '../log';
import { listSegments, segmentName } from './segments';

export const MAX_SEGMENT_BYTES_TOTAL = 8 * 1024 * 1024 * 1024;

export function pruneSegments(
  dir: string,
  current: number,
  checkpoints: (Checkpoint | undefined)[],
  policy: RetentionPolicy,
  nowMs: number,
  log: Logger,
  maxTotal = MAX_SEGMENT_BYTES_TOTAL,
): void {
  const readBy = Math.min(...checkpoints.map((c) => c?.segment ?? 0));
  const sealed = listSegments(dir).filter((s) => s < current);
  const info = sealed.map((seq) => {
    const file = path.join(dir, segmentName(seq));
    const st = fs.statSync(file);
    return { seq, file, size: st.size, mtimeMs: st.mtimeMs };
  });
  let total = info.reduce((a, s) => a + s.size, 0);
  for (const s of info) {
    const expired = s.mtimeMs < nowMs - policy.maxAgeMs && s.seq < readBy;
    const overCap = total > maxTotal;
    if (!expired && !overCap) continue;
    if (overCap && s.seq >= readBy) log.warn(`telemetry segments exceed ${maxTotal} bytes while a store lags; dropping unread ${s.file}`);
    fs.rmSync(s.file, { force: true });
    total -= s.size;
  }
}
