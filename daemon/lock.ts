/**
 * The single-daemon lock. `daemon.lock` names the holder by pid and process start time; it is
 * created atomically (write a temp file, then hard-link it into place, which fails if the lock
 * exists), so a reader never sees a half-written lock. A lock whose holder is gone is stale and is
 * removed under a short-lived guard file, so two starters cannot both remove it and both win.
 */
import * as fs from 'node:fs';
import { identityAlive, type ProcessIdentity } from '../shared/node/processInfo';

export interface LockRecord extends ProcessIdentity {
  version: string;
  /** Unix ms. */
  acquiredAt: number;
}

export type LockOutcome =
  | { acquired: true; staleHolder?: LockRecord | 'unreadable' }
  | { acquired: false; holder: LockRecord };

/** A guard older than this was left by a starter that died while holding it. */
const GUARD_STALE_MS = 5_000;

export function readLock(lockPath: string): LockRecord | 'unreadable' | undefined {
  let text: string;
  try {
    text = fs.readFileSync(lockPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const rec = JSON.parse(text) as LockRecord;
    return typeof rec.pid === 'number' ? rec : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

function tryCreate(lockPath: string, record: LockRecord): boolean {
  const tmp = `${lockPath}.${record.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(record), { mode: 0o600 });
  try {
    fs.linkSync(tmp, lockPath);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Removes the lock if it still is the stale one we judged; returns whether we hold the guard. */
function removeStale(lockPath: string, guardPath: string, judged: LockRecord | 'unreadable'): boolean {
  try {
    fs.writeFileSync(guardPath, String(process.pid), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    try {
      if (Date.now() - fs.statSync(guardPath).mtimeMs > GUARD_STALE_MS) fs.rmSync(guardPath, { force: true });
    } catch {
      // The guard vanished meanwhile: its owner finished.
    }
    return false;
  }
  try {
    const now = readLock(lockPath);
    const same = now === judged || (typeof now === 'object' && typeof judged === 'object' && now.pid === judged.pid && now.startTime === judged.startTime);
    if (same) fs.rmSync(lockPath, { force: true });
    return true;
  } finally {
    fs.rmSync(guardPath, { force: true });
  }
}

/**
 * Takes the lock for `self`, or reports the live holder. An unreadable lock counts as stale: with
 * link-based creation it is never half-written by a live starter, so it can only be damaged.
 */
export async function acquireLock(lockPath: string, guardPath: string, self: LockRecord, timeoutMs = 5_000): Promise<LockOutcome> {
  const deadline = Date.now() + timeoutMs;
  let stale: LockRecord | 'unreadable' | undefined;
  for (;;) {
    if (tryCreate(lockPath, self)) return { acquired: true, staleHolder: stale };
    const holder = readLock(lockPath);
    if (holder === undefined) continue;
    if (holder !== 'unreadable' && identityAlive(holder)) return { acquired: false, holder };
    stale = holder;
    removeStale(lockPath, guardPath, holder);
    if (Date.now() > deadline) throw new Error(`could not take ${lockPath} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Removes the lock only if it is still ours: a successor may already have taken it. */
export function releaseLock(lockPath: string, self: ProcessIdentity): void {
  const rec = readLock(lockPath);
  if (typeof rec === 'object' && rec.pid === self.pid && rec.startTime === self.startTime) {
    fs.rmSync(lockPath, { force: true });
  }
}
