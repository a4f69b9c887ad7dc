/**
 * `run.json` in each run dir: which server ran, from which build, with which pid and port, and how
 * the run ended. Written by the daemon at spawn and at the end, read back to list a server's runs
 * (the Servers view shows them); the run dir's name sorts by start time, so listing reads only as
 * many records as asked for.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunInfo, ServerExit } from '../../shared/protocol/servers';

const RECORD = 'run.json';

export type RunStart = Omit<RunInfo, 'stdoutFile' | 'stderrFile' | 'endedAt' | 'exit' | 'outcome'>;

export function writeRunStart(runDir: string, run: RunStart): void {
  write(runDir, run);
}

/** Marks the run ended; a missing or unreadable record (a run of an older daemon) is left alone. */
export function writeRunEnd(runDir: string, end: { endedAt: number; outcome: string; exit?: ServerExit }): void {
  const start = read(runDir);
  if (start) write(runDir, { ...start, ...end });
}

/** The latest `limit` runs of `serverId` in `runsDir`, newest first. */
export function listRuns(runsDir: string, serverId: string, limit: number): RunInfo[] {
  let names: string[];
  try {
    names = fs.readdirSync(runsDir).sort().reverse();
  } catch {
    return [];
  }
  const runs: RunInfo[] = [];
  for (const name of names) {
    if (runs.length >= limit) break;
    const dir = path.join(runsDir, name);
    const r = read(dir);
    if (r?.serverId === serverId) runs.push({ ...r, stdoutFile: path.join(dir, 'stdout.log'), stderrFile: path.join(dir, 'stderr.log') });
  }
  return runs;
}

function read(runDir: string): Omit<RunInfo, 'stdoutFile' | 'stderrFile'> | undefined {
  try {
    const r = JSON.parse(fs.readFileSync(path.join(runDir, RECORD), 'utf8')) as Omit<RunInfo, 'stdoutFile' | 'stderrFile'>;
    return typeof r.runId === 'string' && typeof r.serverId === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

function write(runDir: string, record: object): void {
  // Write then rename: a reader never sees half a record.
  const file = path.join(runDir, RECORD);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(record), { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}
