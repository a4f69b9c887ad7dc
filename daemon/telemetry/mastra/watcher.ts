/**
 * Watches folders for Mastra observability JSONL (`{"type": "span"|"trace"|"log"|"metric"|"score",
 * "data": {...}}` per line) with chokidar and appends what it reads to the segments. Each file's
 * read position is kept in `telemetry/sources.json`, written after the records reached the
 * segments: a crash in between re-reads some lines, and their ids (span ids, or file and byte
 * offset for the other types) let the stores drop the repeats. Bad lines are quarantined with file
 * and line number; the rest of the file is read.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { Origin, TelemetryRecord } from '../../../shared/telemetry/model';
import type { Logger } from '../../log';
import { isObj } from '../otlp/values';
import type { RunRegistry } from '../origins';
import type { Quarantine } from '../quarantine';
import { mastraLog, mastraMetric, mastraScore, mastraSpan, nestingProblem } from './records';

interface FileState {
  offset: number;
  line: number;
  /** Inside a line longer than a read chunk, which is skipped to its end. */
  skipping?: boolean;
}

export interface WatcherDeps {
  /** Folders to watch (recursively). */
  dirs: string[];
  /**
   * Runlens's own `projects/` folder, if among `dirs`: only `<project>/runs/<run>/observability/`
   * is read there. Builds hold whole dependency trees and `logs/` holds Runlens's own JSONL.
   */
  projectsDir?: string;
  /** Where read positions are kept. */
  stateFile: string;
  runs: RunRegistry;
  quarantine: Quarantine;
  sink: (records: TelemetryRecord[]) => void;
  log: Logger;
}

const CHUNK = 4 * 1024 * 1024;

/** True for paths on the way to, or inside, a run's `observability/` folder (and outside `projects`). */
export function observabilityPath(projectsDir: string, p: string): boolean {
  if (p === projectsDir || !p.startsWith(projectsDir + path.sep)) return true;
  const parts = p.slice(projectsDir.length + 1).split(path.sep);
  return (parts.length < 2 || parts[1] === 'runs') && (parts.length < 4 || parts[3] === 'observability');
}
const SWEEP_MS = 2000;

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

export class MastraJsonlWatcher {
  private watcher: FSWatcher | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly files: Record<string, FileState>;
  private readonly busy = new Map<string, boolean>();
  private readonly watched = new Set<string>();

  constructor(private readonly deps: WatcherDeps) {
    this.files = loadState(deps.stateFile);
  }

  start(): void {
    for (const dir of this.deps.dirs) fs.mkdirSync(dir, { recursive: true });
    const projects = this.deps.projectsDir;
    const ignored = (p: string, st?: fs.Stats): boolean =>
      (!!st?.isFile() && !p.endsWith('.jsonl')) || (projects !== undefined && !observabilityPath(projects, p));
    // Runs' folders are not watched, only their `observability/` folders: a watched run folder
    // woke the watcher for every write and rotation of the run's log files (a tenth of the
    // daemon's time under a log flood), each time re-listing the folder.
    this.watcher = watch(this.deps.dirs.filter((d) => d !== projects), { ignoreInitial: false, depth: 10, ignored });
    const onFile = (file: string): void => this.schedule(file);
    this.watcher.on('add', onFile).on('change', onFile);
    this.watcher.on('error', (err) => this.deps.log.warn(`observability watcher: ${(err as Error).message}`));
    this.discover();
    // A file that appears while the watcher is still scanning can be reported once, half written,
    // with no change events after: every few seconds, read on where a known file has grown. The
    // same sweep finds the observability folders of runs no one registered (earlier daemons).
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweepTimer.unref();
  }

  private sweep(): void {
    this.discover();
    for (const [file, state] of Object.entries(this.files)) {
      try {
        if (fs.statSync(file).size > state.offset) this.schedule(file);
      } catch {
        // Removed meanwhile.
      }
    }
  }

  /** Watches every `<project>/runs/<run>/observability/` folder not watched yet. */
  private discover(): void {
    const projects = this.deps.projectsDir;
    if (!projects || !this.deps.dirs.includes(projects)) return;
    for (const project of listDir(projects)) {
      for (const run of listDir(path.join(projects, project, 'runs'))) {
        const dir = path.join(projects, project, 'runs', run, 'observability');
        if (!this.watched.has(dir) && fs.existsSync(dir)) this.watch(dir);
      }
    }
  }

  private watch(dir: string): void {
    this.watched.add(dir);
    this.watcher?.add(dir);
  }

  /** Starts watching one more folder, e.g. a new run's `observability/`. */
  add(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    if (!this.watched.has(dir)) this.watch(dir);
  }

  async stop(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.watcher?.close();
  }

  /** Reads a file now (tests, and the watcher's events). */
  schedule(file: string): void {
    if (!file.endsWith('.jsonl')) return;
    if (this.busy.has(file)) {
      this.busy.set(file, true);
      return;
    }
    this.busy.set(file, false);
    setImmediate(() => this.drain(file));
  }

  private drain(file: string): void {
    try {
      // Yield between chunks so a big file does not block the daemon's other work.
      if (this.readChunk(file)) return void setImmediate(() => this.drain(file));
    } catch (err) {
      this.deps.log.warn(`cannot read ${file}: ${(err as Error).message}`);
    }
    const again = this.busy.get(file);
    this.busy.delete(file);
    if (again) this.schedule(file);
  }

  /** Reads and appends one chunk of complete lines; false at the end of the file. */
  private readChunk(file: string): boolean {
    const state = (this.files[file] ??= { offset: 0, line: 0 });
    const fd = fs.openSync(file, 'r');
    let n: number;
    const buf = Buffer.allocUnsafe(CHUNK);
    try {
      if (fs.fstatSync(fd).size < state.offset) Object.assign(state, { offset: 0, line: 0, skipping: undefined });
      n = fs.readSync(fd, buf, 0, CHUNK, state.offset);
    } finally {
      fs.closeSync(fd);
    }
    // Search only what was read: the rest of the buffer is uninitialized memory.
    const read = buf.subarray(0, n);
    if (state.skipping) return this.skipLongLine(read, state);
    const end = n === 0 ? 0 : read.lastIndexOf(0x0a) + 1;
    if (end === 0) {
      if (n < CHUNK) return false;
      // A whole chunk without a line end: the line cannot be held; quarantine it and read past it.
      this.deps.quarantine.add({ source: file, line: state.line + 1, reason: `line longer than ${CHUNK} bytes; skipped`, text: read.toString('utf8', 0, 512) });
      state.skipping = true;
      return this.skipLongLine(read, state);
    }
    const records = this.parse(file, buf.toString('utf8', 0, end), state);
    this.deps.sink(records);
    state.offset += end;
    saveState(this.deps.stateFile, this.files);
    return end < n || n === CHUNK;
  }

  /** Reads on to the end of an over-long line (already quarantined); true while there is more to read. */
  private skipLongLine(read: Buffer, state: FileState): boolean {
    const newline = read.indexOf(0x0a);
    state.offset += newline === -1 ? read.length : newline + 1;
    if (newline !== -1) {
      state.line++;
      delete state.skipping;
    }
    saveState(this.deps.stateFile, this.files);
    return newline !== -1 || read.length === CHUNK;
  }

  private parse(file: string, text: string, state: FileState): TelemetryRecord[] {
    const origin = originOf(file, this.deps.runs);
    const fileKey = crypto.createHash('sha1').update(file).digest('hex').slice(0, 12);
    const records: TelemetryRecord[] = [];
    let offset = state.offset;
    const lines = text.split('\n');
    lines.pop(); // text ends with a newline: the last piece is empty
    for (const line of lines) {
      const bytes = Buffer.byteLength(line) + 1;
      state.line++;
      if (line.trim()) {
        const r = usableLine(line, `${fileKey}:${offset}`, origin);
        if (typeof r === 'string') this.deps.quarantine.add({ source: file, line: state.line, reason: r, text: line });
        else if (r) records.push(r);
      }
      offset += bytes;
    }
    return records;
  }
}

/** `mastraLine`, with any failure it did not foresee turned into a reason: one line never stalls a file. */
function usableLine(line: string, id: string, origin: Origin): TelemetryRecord | string | null {
  try {
    return mastraLine(line, id, origin);
  } catch (err) {
    return `cannot use the line: ${(err as Error).message}`;
  }
}

/** One JSONL line to a record; a string is the reason it was rejected; null is a line to skip. */
export function mastraLine(line: string, id: string, origin: Origin): TelemetryRecord | string | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
  if (!isObj(v) || !isObj(v.data)) return 'expected {"type": ..., "data": {...}}';
  const deep = nestingProblem(v);
  if (deep) return deep;
  switch (v.type) {
    case 'span':
      return mastraSpan(v.data, origin);
    case 'trace':
      // A trace record that is its root span carries a spanId; a bare trace summary adds nothing.
      return typeof v.data.spanId === 'string' ? mastraSpan(v.data, origin) : null;
    case 'log':
      return mastraLog(v.data, id, origin);
    case 'metric':
      return mastraMetric(v.data, id, origin);
    case 'score':
      return mastraScore(v.data, id, origin);
    default:
      return `unknown type ${JSON.stringify(v.type)}; expected span, trace, log, metric or score`;
  }
}

/** Runs write into `projects/<projectId>/runs/<runId>/observability/`: the path names the run. */
function originOf(file: string, runs: RunRegistry): Origin {
  const parts = file.split(path.sep);
  const i = parts.lastIndexOf('observability');
  const runId = i >= 2 && parts[i - 2] === 'runs' ? parts[i - 1] : undefined;
  const run = runId ? runs.byRun(runId) : undefined;
  return run ? { serverId: run.serverId, runId: run.runId, service: run.serviceName } : runId ? { runId } : {};
}

function loadState(file: string): Record<string, FileState> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, FileState>;
  } catch {
    return {};
  }
}

function saveState(file: string, state: Record<string, FileState>): void {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
  fs.renameSync(tmp, file);
}
