/**
 * Where in a `runlens.json` text each problem found by `parseRunlensConfig` is: a field path like
 * `servers[1].port` becomes the offset and length of that value (or of the key, for a field that
 * should not be there; or of the enclosing object, for a required field that is missing). No
 * `vscode` import: the editor side turns these into diagnostics, unit tests check them directly.
 */
import { findNodeAtLocation, parseTree, printParseErrorCode, type Node, type ParseError, type Segment } from 'jsonc-parser';
import { parseRunlensConfig, type ConfigProblem } from '../shared/config/validate';

export interface LocatedProblem {
  offset: number;
  length: number;
  /** The problem without the file name (the editor shows the file already). */
  message: string;
  field: string;
}

/** Validates `text` as the runlens.json at `file` and places every problem in it. */
export function checkRunlensJson(text: string, file: string): LocatedProblem[] {
  const { problems } = parseRunlensConfig(text, file);
  if (problems.length === 0) return [];
  const errors: ParseError[] = [];
  // The daemon reads strict JSON: no comments, no trailing commas.
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  if (errors.length > 0 || !root) return syntaxProblems(text, file, errors, problems);
  return problems.map((p) => locate(root, p));
}

function locate(root: Node, p: ConfigProblem): LocatedProblem {
  const message = withoutFile(p.message, p.file);
  const { node, exact } = deepest(root, fieldPath(p.field));
  const key = node.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
  const at = (n: Node): LocatedProblem => ({ offset: n.offset, length: Math.max(1, n.length), message, field: p.field });
  // An unknown field: its key. A whole value: the value.
  if (exact && p.expected.startsWith('no such field')) return at(key ?? node);
  if (exact && node.type !== 'object' && node.type !== 'array') return at(node);
  // A missing field, or an object or array as a whole: the key that holds it (or its opening
  // bracket), rather than underlining many lines.
  return key ? at(key) : { offset: node.offset, length: 1, message, field: p.field };
}

/** The node at `path`, or its deepest ancestor that exists (for a field that is missing). */
function deepest(root: Node, path: Segment[]): { node: Node; exact: boolean } {
  for (let n = path.length; n >= 0; n--) {
    const node = findNodeAtLocation(root, path.slice(0, n));
    if (node) return { node, exact: n === path.length };
  }
  return { node: root, exact: path.length === 0 };
}

/** `servers[1].health.path` → ['servers', 1, 'health', 'path']. */
export function fieldPath(field: string): Segment[] {
  const out: Segment[] = [];
  // Keys the validator could not write bare (empty, dotted) come quoted as JSON strings.
  for (const m of field.matchAll(/"((?:[^"\\]|\\.)*)"|([^.[\]"]+)|\[(\d+)\]/g)) {
    out.push(m[3] !== undefined ? Number(m[3]) : m[1] !== undefined ? (JSON.parse(`"${m[1]}"`) as string) : m[2]!);
  }
  return out;
}

function syntaxProblems(text: string, file: string, errors: ParseError[], problems: ConfigProblem[]): LocatedProblem[] {
  if (errors.length === 0) return problems.map((p) => ({ offset: 0, length: 1, message: withoutFile(p.message, p.file), field: p.field }));
  return errors.map((e) => ({
    offset: Math.min(e.offset, Math.max(0, text.length - 1)),
    length: Math.max(1, e.length),
    message: `expected valid JSON: ${describeError(printParseErrorCode(e.error))}; the daemon cannot read ${baseName(file)} until this is fixed`,
    field: '',
  }));
}

/** 'PropertyNameExpected' → 'property name expected'. */
function describeError(code: string): string {
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function withoutFile(message: string, file: string): string {
  return message.startsWith(file) ? message.slice(file.length).replace(/^:?\s*/, '') : message;
}

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}
