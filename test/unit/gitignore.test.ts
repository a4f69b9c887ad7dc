import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IgnoreMatcher, parseGitignore } from '../../daemon/builds/gitignore';
import { snapshot } from '../../daemon/builds/snapshot';

function matcher(text: string, base = ''): IgnoreMatcher {
  const m = new IgnoreMatcher();
  m.add(parseGitignore(text, base));
  return m;
}

describe('.gitignore matching', () => {
  it('matches names at any depth unless the pattern has a slash', () => {
    const m = matcher('*.log\nbuild/\n/root-only.txt\ndocs/*.md\n');
    assert.ok(m.ignores('a.log', false));
    assert.ok(m.ignores('deep/er/b.log', false));
    assert.ok(m.ignores('x/build', true));
    assert.ok(!m.ignores('x/build', false), 'a trailing slash matches directories only');
    assert.ok(m.ignores('root-only.txt', false));
    assert.ok(!m.ignores('sub/root-only.txt', false));
    assert.ok(m.ignores('docs/a.md', false));
    assert.ok(!m.ignores('docs/sub/a.md', false), '* does not cross a slash');
    assert.ok(!m.ignores('src/docs/a.md', false), 'a middle slash anchors the pattern');
  });

  it('handles **, ?, classes, negation and escapes', () => {
    const m = matcher('**/tmp\na/**/z.txt\nlogs/**\nfile?.txt\n[abc].js\n*.env\n!keep.env\n\\#hash\n\\!bang\n# comment\n\n');
    assert.ok(m.ignores('tmp', true) && m.ignores('x/y/tmp', true));
    assert.ok(m.ignores('a/z.txt', false) && m.ignores('a/b/c/z.txt', false));
    assert.ok(m.ignores('logs/x/y', false) && !m.ignores('logs', true));
    assert.ok(m.ignores('file1.txt', false) && !m.ignores('file10.txt', false));
    assert.ok(m.ignores('b.js', false) && !m.ignores('d.js', false));
    assert.ok(m.ignores('prod.env', false) && !m.ignores('keep.env', false));
    assert.ok(m.ignores('#hash', false) && m.ignores('!bang', false));
    assert.ok(!m.ignores('comment', false));
  });

  it('lets the last matching rule win, and nested files override their parents below them', () => {
    const m = matcher('*.txt\n');
    m.add(parseGitignore('!important.txt\n', 'sub'));
    assert.ok(m.ignores('important.txt', false));
    assert.ok(!m.ignores('sub/important.txt', false));
    assert.ok(m.ignores('sub/other.txt', false));
  });
});

describe('snapshot copy', () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-snap-'))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('skips the skip list and ignored paths, keeps inside symlinks, drops escaping ones', async () => {
    const src = path.join(tmp, 'src');
    const files: Record<string, string> = {
      'package.json': '{}',
      '.gitignore': 'secret.txt\ncoverage/\n',
      'src/index.js': 'x',
      'src/secret.txt': 'no',
      'coverage/lcov.info': 'no',
      'node_modules/a/index.js': 'no',
      'dist/out.js': 'no',
      '.mastra/output/index.mjs': 'no',
      '.git/HEAD': 'no',
      'pkg/sub/.gitignore': '*.gen.js\n',
      'pkg/sub/a.gen.js': 'no',
      'pkg/sub/a.js': 'yes',
    };
    for (const [rel, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(src, rel)), { recursive: true });
      fs.writeFileSync(path.join(src, rel), text);
    }
    fs.writeFileSync(path.join(tmp, 'outside.txt'), 'outside');
    fs.symlinkSync('src/index.js', path.join(src, 'link-in'));
    fs.symlinkSync(path.join(src, 'src'), path.join(src, 'abs-link-in'));
    fs.symlinkSync('../outside.txt', path.join(src, 'link-out'));
    const dest = path.join(tmp, 'dest');
    const r = await snapshot({ source: src, dest });
    const copied = listTree(dest);
    assert.deepEqual(copied, ['.gitignore', 'abs-link-in', 'link-in', 'package.json', 'pkg', 'pkg/sub', 'pkg/sub/.gitignore', 'pkg/sub/a.js', 'src', 'src/index.js']);
    assert.equal(fs.readlinkSync(path.join(dest, 'link-in')), 'src/index.js');
    assert.equal(fs.readlinkSync(path.join(dest, 'abs-link-in')), 'src', 'an absolute link into the project becomes relative');
    assert.equal(fs.readFileSync(path.join(dest, 'abs-link-in', 'index.js'), 'utf8'), 'x');
    assert.equal(r.symlinks, 2);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0]!, /link-out -> \.\.\/outside\.txt: it points outside the project folder/);
  });
});

function listTree(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    out.push(r);
    if (e.isDirectory()) out.push(...listTree(root, r));
  }
  return out.sort();
}
