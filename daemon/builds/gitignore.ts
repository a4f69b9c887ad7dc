/**
 * `.gitignore` matching as git does it: comments and blank lines, `!` negation, trailing `/` for
 * directories only, patterns with a slash anchored to their file's folder, `*`, `?`, `[...]` and
 * `**`, backslash escapes, and nested files whose rules apply below their own folder and win over
 * their parents'. The last matching rule decides. Pure: callers read the files.
 */

export interface IgnoreRule {
  /** Folder of the `.gitignore` holding the rule, relative to the matcher's root ('' for the root). */
  base: string;
  negate: boolean;
  dirOnly: boolean;
  regex: RegExp;
  /** The line as written, for messages and tests. */
  source: string;
}

export function parseGitignore(text: string, base = ''): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const rule = parseLine(raw, base);
    if (rule) rules.push(rule);
  }
  return rules;
}

function parseLine(raw: string, base: string): IgnoreRule | undefined {
  // Trailing spaces are dropped unless escaped with a backslash.
  let line = raw.replace(/(?<!\\)\s+$/, '');
  if (!line || line.startsWith('#')) return undefined;
  let negate = false;
  if (line.startsWith('!')) {
    negate = true;
    line = line.slice(1);
  }
  let dirOnly = false;
  if (line.endsWith('/') && !line.endsWith('\\/')) {
    dirOnly = true;
    line = line.replace(/\/+$/, '');
  }
  if (!line) return undefined;
  // A slash at the start or in the middle anchors the pattern to the .gitignore's folder.
  const anchored = line.includes('/');
  const body = line.startsWith('/') ? line.slice(1) : line;
  const prefix = anchored ? '' : '(?:.*/)?';
  return { base, negate, dirOnly, regex: new RegExp(`^${prefix}${globToRegex(body)}$`), source: raw };
}

/** Translates one glob (without the leading `/` or trailing `/`) into a regex body. */
export function globToRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\' && i + 1 < glob.length) {
      out += escapeChar(glob[++i]!);
    } else if (c === '*') {
      if (glob[i + 1] === '*') {
        const atStart = i === 0 || glob[i - 1] === '/';
        const atEnd = i + 2 === glob.length;
        const beforeSlash = glob[i + 2] === '/';
        i++;
        if (atStart && beforeSlash) {
          out += '(?:.*/)?';
          i++;
        } else if (atStart && atEnd) {
          out += '.*';
        } else {
          out += '[^/]*';
        }
      } else {
        out += '[^/]*';
      }
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) {
        out += '\\[';
      } else {
        let cls = glob.slice(i + 1, end);
        if (cls.startsWith('!')) cls = '^' + cls.slice(1);
        out += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else {
      out += escapeChar(c);
    }
  }
  return out;
}

function escapeChar(c: string): string {
  return /[.+^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

/** Rules from every `.gitignore` seen so far; `ignores` asks about one path at a time. */
export class IgnoreMatcher {
  private readonly rules: IgnoreRule[] = [];

  add(rules: IgnoreRule[]): void {
    this.rules.push(...rules);
  }

  get size(): number {
    return this.rules.length;
  }

  /** `rel`: path relative to the matcher's root with `/` separators. */
  ignores(rel: string, isDir: boolean): boolean {
    let ignored = false;
    for (const rule of this.rules) {
      if (rule.dirOnly && !isDir) continue;
      if (rule.negate !== ignored) continue;
      let sub: string;
      if (rule.base === '') sub = rel;
      else if (rel.startsWith(rule.base + '/')) sub = rel.slice(rule.base.length + 1);
      else continue;
      if (rule.regex.test(sub)) ignored = !rule.negate;
    }
    return ignored;
  }
}
