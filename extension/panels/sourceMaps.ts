/**
 * Follows a position in generated JavaScript (a bundle such as `.mastra/output/index.mjs`) back to
 * the original source through its source map: inline (`data:` URL) or a file named by
 * `//# sourceMappingURL=`, or `<file>.map` next to it. Synchronous and pure JS (trace-mapping), so it
 * runs in the extension host without wasm and in unit tests with a fake file system.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import type { SourceLocation } from '../../shared/telemetry/spanSource';

export interface MapReader {
  readFile(p: string): string | undefined;
}

const GENERATED = /\.(mjs|cjs|js)$/;
const MAPPING_URL = /[#@]\s*sourceMappingURL=(\S+)\s*$/;

/** The source map of `file` as JSON text, with the path it was read from (for resolving sources). */
export function readSourceMap(file: string, fs: MapReader): { json: string; at: string } | undefined {
  const text = fs.readFile(file);
  if (text === undefined) return undefined;
  // The comment is on one of the last lines; looking at the tail keeps this cheap for big bundles.
  const tail = text.slice(-4096).trimEnd().split('\n').slice(-3).reverse();
  for (const line of tail) {
    const m = MAPPING_URL.exec(line);
    if (!m) continue;
    const url = m[1];
    const inline = /^data:application\/json(?:;charset=[^;,]+)?;base64,(.*)$/.exec(url);
    if (inline) return { json: Buffer.from(inline[1], 'base64').toString('utf8'), at: file };
    if (/^[a-z]+:/i.test(url) && !url.startsWith('file:')) return undefined;
    const mapFile = url.startsWith('file:') ? fileURLToPath(url) : path.resolve(path.dirname(file), decodeURIComponent(url));
    const json = fs.readFile(mapFile);
    return json === undefined ? undefined : { json, at: mapFile };
  }
  const json = fs.readFile(`${file}.map`);
  return json === undefined ? undefined : { json, at: `${file}.map` };
}

/** The original location of `loc`, or undefined when `loc` is not generated code with a usable map. */
export function followSourceMap(loc: SourceLocation, fs: MapReader): SourceLocation | undefined {
  if (!GENERATED.test(loc.file)) return undefined;
  const found = readSourceMap(loc.file, fs);
  if (!found) return undefined;
  let map: TraceMap;
  try {
    map = new TraceMap(found.json);
  } catch {
    return undefined;
  }
  // trace-mapping columns are 0-based; ours are 1-based like the editor's and V8's.
  const pos = originalPositionFor(map, { line: loc.line, column: Math.max(0, (loc.column ?? 1) - 1) });
  if (pos.source === null || pos.line === null) return undefined;
  const source = pos.source;
  let file: string;
  if (source.startsWith('file://')) file = fileURLToPath(source);
  else if (/^[a-z][a-z0-9+.-]*:/i.test(source)) return undefined; // webpack://, http:// …: no file behind it
  else file = path.resolve(path.dirname(found.at), source);
  return { file, line: pos.line, column: (pos.column ?? 0) + 1, functionName: pos.name ?? loc.functionName };
}
