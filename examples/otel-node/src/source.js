// Source attributes for spans: where the code that opened a span lives, read from the call
// stack. Run with --enable-source-maps so frames of the bundled output name the files under src/.
import { fileURLToPath } from 'node:url';

/** `    at name (file:line:col)` or `    at file:line:col`, as V8 formats a frame. */
const FRAME = /^\s*at (?:(.+?) \()?((?:file:\/\/)?[^\s()]+?):(\d+):(\d+)\)?$/;

/**
 * The location `depth` frames above the caller as OpenTelemetry `code.*` attributes:
 * code.file.path, code.line.number, code.column.number and code.function.name.
 */
export function callerSource(depth = 1) {
  const holder = {};
  Error.captureStackTrace(holder, callerSource);
  const line = String(holder.stack ?? '').split('\n')[depth];
  const m = line && FRAME.exec(line);
  if (!m) return {};
  const file = m[2].startsWith('file://') ? fileURLToPath(m[2]) : m[2];
  return {
    'code.file.path': file,
    'code.line.number': Number(m[3]),
    'code.column.number': Number(m[4]),
    'code.function.name': (m[1] ?? '<anonymous>').replace(/^async /, ''),
  };
}
