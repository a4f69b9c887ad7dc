/**
 * Where a span's code lives, as the span itself says: the `code.*` attributes (current semantic
 * conventions, then the older names), else the frames of a recorded stack trace. Pure and
 * browser-safe: the webview uses it to decide whether to show a source link, the extension to
 * resolve the link. Paths are returned as written; mapping and refusing them is sourceNavigator's.
 */
import type { Attributes, AttrValue, SpanRecord } from './model';

export interface SourceLocation {
  /** A path or `file://` URL, as recorded. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based; absent when the span did not record it. */
  column?: number;
  functionName?: string;
}

export interface StackFrame extends SourceLocation {
  /** The frame line as written, for messages. */
  text: string;
}

export type SpanSource =
  | { kind: 'attributes'; location: SourceLocation }
  | { kind: 'stack'; frames: StackFrame[]; from: string };

function asInt(v: AttrValue | undefined): number | undefined {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
}

function fromAttributes(a: Attributes): SourceLocation | undefined {
  const file = a['code.file.path'] ?? a['code.filepath'];
  const line = asInt(a['code.line.number'] ?? a['code.lineno']);
  if (typeof file !== 'string' || file === '' || line === undefined) return undefined;
  const fn = a['code.function.name'] ?? a['code.function'];
  return {
    file,
    line,
    column: asInt(a['code.column.number'] ?? a['code.column']),
    functionName: typeof fn === 'string' ? fn : undefined,
  };
}

/** V8: `at fn (file:1:2)`, `at file:1:2`, `at async fn (file:///x.mjs:1:2)`, `at new X (C:\a\b.js:1:2)`. */
const V8_FRAME = /^\s*at (?:(.+?) \()?(.+?):(\d+):(\d+)\)?\s*$/;
/** Firefox and Safari: `fn@file:1:2`. */
const GECKO_FRAME = /^\s*(.*?)@(.+?):(\d+):(\d+)\s*$/;

/** Parses the frames of a JavaScript stack trace; lines that are not frames (the message) are skipped. */
export function parseStack(stack: string): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const raw of stack.split(/\r?\n/)) {
    // `eval at …` frames name a generated location inside another frame: no file to open.
    // (`at <anonymous> (file:1:2)`, Node's form for anonymous functions with source maps, is real.)
    if (raw.includes('(eval at ')) continue;
    const m = V8_FRAME.exec(raw) ?? GECKO_FRAME.exec(raw);
    if (!m) continue;
    const file = m[2].trim();
    if (file === '' || file === 'native' || file === '<anonymous>') continue;
    frames.push({
      text: raw.trim(),
      file,
      line: Number(m[3]),
      column: Number(m[4]),
      functionName: m[1] && m[1] !== '<anonymous>' ? m[1].replace(/^async /, '') : undefined,
    });
  }
  return frames;
}

/** A frame of the runtime or of a dependency, never the user's code. */
export function isLibraryFrame(frame: SourceLocation): boolean {
  const f = frame.file;
  return f.startsWith('node:') || f.startsWith('internal/') || /[\\/]node_modules[\\/]/.test(f);
}

function stackOf(a: Attributes | undefined, key: string): string | undefined {
  const v = a?.[key];
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

/** The source the span names, preferring explicit attributes over stack traces. */
export function spanSource(span: Pick<SpanRecord, 'attributes' | 'events'>): SpanSource | undefined {
  const location = fromAttributes(span.attributes);
  if (location) return { kind: 'attributes', location };
  const stacks: [string, string | undefined][] = [
    ['code.stacktrace', stackOf(span.attributes, 'code.stacktrace')],
    ['exception.stacktrace', stackOf(span.attributes, 'exception.stacktrace')],
    ...(span.events ?? []).map((e): [string, string | undefined] => [`event ${e.name}: exception.stacktrace`, stackOf(e.attributes, 'exception.stacktrace')]),
  ];
  for (const [from, stack] of stacks) {
    if (!stack) continue;
    const frames = parseStack(stack).filter((f) => !isLibraryFrame(f));
    if (frames.length > 0) return { kind: 'stack', frames, from };
  }
  return undefined;
}

/** Short label for a source link: `routes/weather.ts:42`. */
export function sourceLabel(loc: SourceLocation): string {
  const parts = loc.file.replace(/^file:\/\//, '').split(/[\\/]/).filter(Boolean);
  return `${parts.slice(-2).join('/')}:${loc.line}`;
}
