/**
 * Size-based rotation of a server's stdout.log / stderr.log that cannot lose a line. The server
 * holds the file open for append and never reopens it, so the file cannot be renamed away, and
 * copy-then-truncate loses whatever is written between the copy and the truncate. Instead the
 * finished head is copied to `<stream>.log.1` (older copies shift to .2 … .keep) and then punched
 * out of the live file as a hole: it frees the disk space while every byte keeps its offset, so
 * the server's appends, the daemon's read position and the line index all stay valid. Where the
 * filesystem cannot punch holes the file is left to grow and the user is told once; losing lines
 * to save disk is never the trade.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BufferPool, ROTATION_COPY_BYTES } from './bufferPool';

export interface RotationSettings {
  /** Rotate when the live part of the file passes this many bytes. */
  maxBytes: number;
  /** Rotated copies kept; the oldest beyond this is deleted. */
  keep: number;
}

export const DEFAULT_ROTATION: RotationSettings = { maxBytes: 10 * 1024 * 1024, keep: 5 };

/** Byte range [from, to) of the stream that a rotated copy holds, newest first. */
export interface RotatedFile {
  name: string;
  from: number;
  to: number;
}

export interface RotationState {
  /** Bytes before this offset live only in rotated copies (the live file has a hole there). */
  holeEnd: number;
  files: RotatedFile[];
}

export type PunchHole = (file: string, length: number) => Promise<void>;

/** Frees [0, length) of a file with util-linux `fallocate --punch-hole`; sizes and offsets stay. */
export const punchHoleWithFallocate: PunchHole = (file, length) =>
  new Promise((resolve, reject) => {
    execFile('fallocate', ['--punch-hole', '--offset', '0', '--length', String(length), file], (err, _out, stderr) => {
      if (err) reject(new Error(stderr.trim() || err.message));
      else resolve();
    });
  });

export function rotationStateFile(logFile: string): string {
  return `${logFile}.rotation.json`;
}

export function readRotationState(logFile: string): RotationState {
  try {
    const s = JSON.parse(fs.readFileSync(rotationStateFile(logFile), 'utf8')) as RotationState;
    if (typeof s.holeEnd === 'number' && Array.isArray(s.files)) return s;
  } catch {
    // Never rotated (or the note was lost): the live file holds everything.
  }
  return { holeEnd: 0, files: [] };
}

/** Where the byte at `offset` of the stream is now: the live file, a rotated copy, or gone. */
export function locateOffset(logFile: string, state: RotationState, offset: number): { file: string; position: number; end?: number } | undefined {
  if (offset >= state.holeEnd) return { file: logFile, position: offset };
  const copy = state.files.find((f) => offset >= f.from && offset < f.to);
  if (!copy) return undefined;
  return { file: path.join(path.dirname(logFile), copy.name), position: offset - copy.from, end: copy.to - copy.from };
}

export class LogRotator {
  private state: RotationState;
  private busy = false;
  private unsupported = false;
  private latest = 0;
  /** Line boundaries seen since the last rotation; copies are cut at one near `maxBytes`. */
  private boundaries: number[] = [];

  constructor(
    private readonly logFile: string,
    private readonly settings: RotationSettings,
    private readonly report: (message: string) => void,
    private readonly punch: PunchHole = punchHoleWithFallocate,
    /** Lends the buffer a rotation copies through. */
    private readonly copyBuffers = new BufferPool(ROTATION_COPY_BYTES, 0),
  ) {
    this.state = readRotationState(logFile);
    // An earlier daemon may have stopped between writing the note and punching the hole (the
    // bytes are then in both places): punch again. Where the hole already is, that changes nothing.
    if (this.state.holeEnd > 0) this.finishEarlierRotation();
  }

  private finishEarlierRotation(): void {
    this.busy = true;
    void this.punchHead(this.state.holeEnd).finally(() => {
      this.busy = false;
      this.advanced(this.latest);
    });
  }

  get current(): RotationState {
    return this.state;
  }

  /**
   * Called as reading advances; `complete` is the offset after the last complete line read, so a
   * rotated copy always ends on a line boundary. Rotation runs in the background, one at a time.
   */
  advanced(complete: number): void {
    if (this.unsupported) return;
    if (complete > this.latest) {
      this.latest = complete;
      this.boundaries.push(complete);
    }
    if (this.busy || this.latest - this.state.holeEnd < this.settings.maxBytes) return;
    this.busy = true;
    this.rotate(this.nextCut()).then(
      () => {
        this.busy = false;
        // Reading went on meanwhile: catch up now rather than at the next read.
        this.advanced(this.latest);
      },
      (err: unknown) => {
        this.busy = false;
        this.report(`could not rotate ${path.basename(this.logFile)}: ${(err as Error).message}`);
      },
    );
  }

  /** The first boundary at least `maxBytes` past the hole, so each copy holds about that much. */
  private nextCut(): number {
    const want = this.state.holeEnd + this.settings.maxBytes;
    const i = this.boundaries.findIndex((b) => b >= want);
    const cut = i === -1 ? this.latest : this.boundaries[i]!;
    this.boundaries = this.boundaries.filter((b) => b > cut);
    return cut;
  }

  private async rotate(upTo: number): Promise<void> {
    const dir = path.dirname(this.logFile);
    const base = path.basename(this.logFile);
    const kept = this.state.files.slice(0, this.settings.keep - 1);
    for (const dropped of this.state.files.slice(this.settings.keep - 1)) await fs.promises.rm(path.join(dir, dropped.name), { force: true });
    // Shift oldest first so no copy overwrites a newer one.
    for (let i = kept.length - 1; i >= 0; i--) {
      const next = `${base}.${i + 2}`;
      await fs.promises.rename(path.join(dir, kept[i]!.name), path.join(dir, next));
      kept[i] = { ...kept[i]!, name: next };
    }
    const first = `${base}.1`;
    const buf = this.copyBuffers.take();
    try {
      await copyRange(this.logFile, path.join(dir, first), this.state.holeEnd, upTo, buf);
    } finally {
      this.copyBuffers.give(buf);
    }
    const next: RotationState = { holeEnd: upTo, files: [{ name: first, from: this.state.holeEnd, to: upTo }, ...kept] };
    // The note goes to disk before the hole: a crash between the two leaves bytes in both places, never in neither.
    await writeAtomically(rotationStateFile(this.logFile), JSON.stringify(next));
    this.state = next;
    await this.punchHead(upTo);
  }

  /** Frees [0, upTo) of the live file; where that cannot be done, rotation stops for this file. */
  private async punchHead(upTo: number): Promise<void> {
    try {
      await this.punch(this.logFile, upTo);
    } catch (err) {
      this.unsupported = true;
      this.report(`${path.basename(this.logFile)} cannot be rotated here (${(err as Error).message}); it keeps growing, and no line is lost`);
    }
  }
}

async function copyRange(from: string, to: string, start: number, end: number, buf: Buffer): Promise<void> {
  const tmp = `${to}.tmp`;
  const src = await fs.promises.open(from, 'r');
  const dst = await fs.promises.open(tmp, 'w', 0o600);
  try {
    for (let pos = start; pos < end; ) {
      const { bytesRead } = await src.read(buf, 0, Math.min(buf.length, end - pos), pos);
      if (bytesRead === 0) throw new Error(`${from} ended at ${pos}, before ${end}`);
      await dst.write(buf, 0, bytesRead);
      pos += bytesRead;
    }
    await dst.sync();
  } finally {
    await src.close();
    await dst.close();
  }
  await fs.promises.rename(tmp, to);
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp`;
  await fs.promises.writeFile(tmp, text, { mode: 0o600 });
  await fs.promises.rename(tmp, file);
}
