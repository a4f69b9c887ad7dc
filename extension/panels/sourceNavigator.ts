/**
 * Turns what a span says about its code into a file and position in the user's workspace, or into a
 * message saying why not. Spans are data from any process that can reach the OTLP port, so a path is
 * only opened when its real path (symlinks resolved) lies inside a workspace folder, or inside a
 * Runlens build's `app/` copy, which is then mapped back to the project folder it was copied from.
 * Bundled output is followed through its source map first. No `vscode` import: the file system
 * comes in through `NavigatorDeps`, so the unit tests run in plain Node.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isLibraryFrame, spanSource, type SourceLocation } from '../../shared/telemetry/spanSource';
import type { SpanRecord } from '../../shared/telemetry/model';
import { followSourceMap } from './sourceMaps';

export interface NavigatorDeps {
  workspaceFolders: string[];
  /** The Runlens state dir; builds live in `<home>/projects/<id>/builds/<buildId>/app/`. */
  runlensHome: string;
  /** The real path, or undefined when nothing is there. */
  realpath(p: string): string | undefined;
  /** A file's text, or undefined when it cannot be read. */
  readFile(p: string): string | undefined;
}

export type SourceTarget =
  | { ok: true; file: string; line: number; column: number; via: string[] }
  | { ok: false; reason: 'none' | 'refused' | 'missing'; message: string };

export const NO_SOURCE_MESSAGE =
  'This span has no source information (code.file.path and code.line.number, or a stack trace). ' +
  'Add the code-source span processor from examples/otel-node/src/codeSource.js to the tracer provider to record it.';

/** Where a span's code is, in the workspace. Tries the span's own location, then each project frame. */
export function resolveSpanSource(span: Pick<SpanRecord, 'attributes' | 'events'>, deps: NavigatorDeps): SourceTarget {
  const source = spanSource(span);
  if (!source) return { ok: false, reason: 'none', message: NO_SOURCE_MESSAGE };
  if (source.kind === 'attributes') return resolveLocation(source.location, deps);
  let first: SourceTarget | undefined;
  for (const frame of source.frames) {
    const target = resolveLocation(frame, deps);
    if (target.ok) return { ...target, via: [`${source.from}: ${frame.text}`, ...target.via] };
    first ??= target;
  }
  return first ?? { ok: false, reason: 'none', message: NO_SOURCE_MESSAGE };
}

interface Roots {
  folders: string[];
  buildsDir: string;
}

function realRoots(deps: NavigatorDeps): Roots {
  const folders = deps.workspaceFolders.map((f) => deps.realpath(f) ?? path.resolve(f));
  const home = deps.realpath(deps.runlensHome) ?? path.resolve(deps.runlensHome);
  return { folders, buildsDir: path.join(home, 'projects') };
}

/** True when `child` is `parent` or below it; both absolute and normalized. */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** `<home>/projects/<id>/builds/<buildId>/app` when `file` lies inside such a copy. */
export function buildAppDir(buildsDir: string, file: string): string | undefined {
  if (!isInside(buildsDir, file)) return undefined;
  const parts = path.relative(buildsDir, file).split(path.sep);
  if (parts.length < 5 || parts[1] !== 'builds' || parts[3] !== 'app') return undefined;
  return path.join(buildsDir, parts[0], 'builds', parts[2], 'app');
}

function toAbsolute(file: string, deps: NavigatorDeps): string[] {
  if (file.startsWith('file://')) {
    try {
      return [fileURLToPath(file)];
    } catch {
      return [];
    }
  }
  if (path.isAbsolute(file)) return [path.resolve(file)];
  // A relative path is relative to the project; each workspace folder is a candidate.
  return deps.workspaceFolders.map((f) => path.resolve(f, file));
}

function refused(file: string): SourceTarget {
  return {
    ok: false,
    reason: 'refused',
    message: `Runlens does not open ${file}: it is outside the workspace folders and Runlens's build folders.`,
  };
}

/** Resolves one recorded location; see the header for the rules. */
export function resolveLocation(loc: SourceLocation, deps: NavigatorDeps): SourceTarget {
  if (isLibraryFrame(loc)) return { ok: false, reason: 'refused', message: `${loc.file} is runtime or dependency code, not part of the project.` };
  const roots = realRoots(deps);
  const candidates = toAbsolute(loc.file, deps);
  let missing: string | undefined;
  for (const candidate of candidates) {
    const real = deps.realpath(candidate);
    if (!real) {
      missing ??= candidate;
      continue;
    }
    const target = resolveReal({ ...loc, file: real }, roots, deps);
    if (target) return target;
    return refused(loc.file);
  }
  if (missing === undefined) return refused(loc.file);
  const lexicallyAllowed = roots.folders.some((f) => isInside(f, missing)) || isInside(roots.buildsDir, missing);
  if (!lexicallyAllowed) return refused(loc.file);
  return { ok: false, reason: 'missing', message: `${loc.file} does not exist (any more).` };
}

function resolveReal(loc: SourceLocation & { file: string }, roots: Roots, deps: NavigatorDeps): SourceTarget | undefined {
  const via: string[] = [];
  const inFolder = roots.folders.find((f) => isInside(f, loc.file));
  const appDir = inFolder ? undefined : buildAppDir(roots.buildsDir, loc.file);
  const root = inFolder ?? appDir;
  if (!root) return undefined;

  let at: SourceLocation = loc;
  const mapped = followSourceMap(loc, deps);
  if (mapped) {
    // A source map may name any path: the original must stay inside the same root.
    const real = deps.realpath(mapped.file);
    if (!real || !isInside(root, real)) return refused(mapped.file);
    via.push(`source map of ${path.basename(loc.file)}`);
    at = { ...mapped, file: real };
  }
  if (inFolder) return { ok: true, file: at.file, line: at.line, column: at.column ?? 1, via };
  return mapBuildToWorkspace(at, appDir as string, roots, deps, via);
}

/** A file in a build's copy → the same relative path in the project folder the build came from. */
function mapBuildToWorkspace(loc: SourceLocation, appDir: string, roots: Roots, deps: NavigatorDeps, via: string[]): SourceTarget {
  const record = deps.readFile(path.join(path.dirname(appDir), 'build.json'));
  let folder: string | undefined;
  try {
    const parsed = record ? (JSON.parse(record) as { folder?: unknown }) : undefined;
    if (typeof parsed?.folder === 'string') folder = deps.realpath(parsed.folder);
  } catch {
    folder = undefined;
  }
  if (!folder) return { ok: false, reason: 'missing', message: `The Runlens build that ran ${loc.file} no longer records its project folder.` };
  if (!roots.folders.some((f) => isInside(f, folder))) {
    return { ok: false, reason: 'refused', message: `${loc.file} belongs to a build of ${folder}, which is not open in this window.` };
  }
  const target = path.join(folder, path.relative(appDir, loc.file));
  const real = deps.realpath(target);
  if (!real) return { ok: false, reason: 'missing', message: `${path.relative(folder, target)} is not in ${folder} any more.` };
  // A symlink in the project may point anywhere; only follow it while it stays in the workspace.
  if (!roots.folders.some((f) => isInside(f, real))) return refused(target);
  return { ok: true, file: real, line: loc.line, column: loc.column ?? 1, via: [...via, `build copy ${path.basename(path.dirname(appDir))}`] };
}
