// A span processor that stamps where each span was started: the OpenTelemetry `code.*` attributes
// (code.file.path, code.line.number, code.column.number, code.function.name) from the call stack
// at the moment the span starts. Runlens's traces panel uses them to open the span's code.
// Run with --enable-source-maps so frames of a bundle name the original files under src/.
import { fileURLToPath } from 'node:url';

/** `    at name (file:line:col)` or `    at file:line:col`, as V8 formats a frame. */
const FRAME = /^\s*at (?:(.+?) \()?((?:file:\/\/)?[^\s()]+?):(\d+):(\d+)\)?$/;
const HERE = fileURLToPath(import.meta.url);

function parseFrame(line) {
  const m = FRAME.exec(line);
  if (!m) return undefined;
  const file = m[2].startsWith('file://') ? fileURLToPath(m[2]) : m[2];
  return { fn: (m[1] ?? '<anonymous>').replace(/^async /, ''), file, line: Number(m[3]), column: Number(m[4]) };
}

/** Frames of Node itself, of dependencies (the SDK's own frames among them) and of this file. */
function isLibraryFrame(frame) {
  return frame.file.startsWith('node:') || frame.file.includes('/node_modules/') || frame.file === HERE;
}

export class CodeSourceSpanProcessor {
  /**
   * @param {{ skipFunctions?: string[] }} [options] names of the app's own span helpers (wrappers
   *   around startActiveSpan): their frames are skipped so the span points at the helper's caller.
   */
  constructor(options = {}) {
    this.skip = new Set(options.skipFunctions ?? []);
  }

  onStart(span) {
    // A span that already says where it is (set by hand or by an instrumentation) keeps that.
    if (span.attributes?.['code.file.path'] !== undefined) return;
    const holder = {};
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 40;
    Error.captureStackTrace(holder, CodeSourceSpanProcessor.prototype.onStart);
    Error.stackTraceLimit = limit;
    for (const line of String(holder.stack ?? '').split('\n').slice(1)) {
      const frame = parseFrame(line);
      if (!frame || isLibraryFrame(frame) || this.skip.has(frame.fn)) continue;
      span.setAttributes({
        'code.file.path': frame.file,
        'code.line.number': frame.line,
        'code.column.number': frame.column,
        'code.function.name': frame.fn,
      });
      return;
    }
  }

  onEnd() {}

  forceFlush() {
    return Promise.resolve();
  }

  shutdown() {
    return Promise.resolve();
  }
}
