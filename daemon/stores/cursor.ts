/** Opaque page cursors: the sort key and id of the last item of a page, base64url-encoded JSON. */

export interface CursorKey {
  /** Sort value of the last item (nanoseconds as a decimal string, or a number). */
  v: string | number;
  /** Tie-breaker: the last item's id. */
  id: string;
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): CursorKey | undefined {
  if (!cursor) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as CursorKey;
    if ((typeof key.v === 'string' || typeof key.v === 'number') && typeof key.id === 'string') return key;
  } catch {
    // Fall through to the error below.
  }
  throw new Error('invalid cursor: pass back the nextCursor of the previous page unchanged');
}

/** Unix ms → nanosecond decimal string, exact. */
export function msToNs(ms: number): string {
  return (BigInt(Math.trunc(ms)) * 1_000_000n).toString();
}

/** Nanosecond decimal string → Unix ms (a float; fine for display and bucketing). */
export function nsToMs(ns: string | undefined): number {
  return ns ? Number(BigInt(ns) / 1000n) / 1000 : 0;
}

export function clampLimit(limit: number | undefined, dflt = 50, max = 1000): number {
  if (limit === undefined) return dflt;
  return Math.max(1, Math.min(max, Math.trunc(limit)));
}
