/**
 * Which of two Runlens builds is newer. A client newer than the running daemon asks it to hand over,
 * so a freshly installed extension never talks to a stale daemon.
 */

export interface BuildStamp {
  protocolVersion: number;
  version: string;
  build: number;
}

/** Compares `1.2.3`-style versions numerically; pre-release suffixes sort before the release. */
export function compareVersions(a: string, b: string): number {
  const [coreA, preA] = splitPre(a);
  const [coreB, preB] = splitPre(b);
  for (let i = 0; i < Math.max(coreA.length, coreB.length); i++) {
    const d = (coreA[i] ?? 0) - (coreB[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (preA === preB) return 0;
  if (preA === '') return 1;
  if (preB === '') return -1;
  return preA < preB ? -1 : 1;
}

function splitPre(v: string): [number[], string] {
  const dash = v.indexOf('-');
  const core = dash === -1 ? v : v.slice(0, dash);
  const pre = dash === -1 ? '' : v.slice(dash + 1);
  return [core.split('.').map((p) => Number.parseInt(p, 10) || 0), pre];
}

/** Positive when `a` is newer than `b`: protocol first, then version, then build time. */
export function compareBuilds(a: BuildStamp, b: BuildStamp): number {
  if (a.protocolVersion !== b.protocolVersion) return Math.sign(a.protocolVersion - b.protocolVersion);
  const v = compareVersions(a.version, b.version);
  if (v !== 0) return v;
  return Math.sign(a.build - b.build);
}
