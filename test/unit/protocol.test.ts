import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ALL_MESSAGES } from '../../shared/protocol';

const repo = path.resolve(__dirname, '../..');

describe('protocol', () => {
  it('names every message runlens/<area>/<verb>', () => {
    for (const m of ALL_MESSAGES) assert.match(m.method, /^runlens\/[a-z]+\/[a-z][A-Za-z]*$/, m.method);
  });

  it('has no two messages with the same name', () => {
    const names = ALL_MESSAGES.map((m) => m.method);
    assert.equal(new Set(names).size, names.length);
  });

  it('documents every message in docs/protocol.md', () => {
    const doc = fs.readFileSync(path.join(repo, 'docs/protocol.md'), 'utf8');
    for (const m of ALL_MESSAGES) assert.ok(doc.includes(`\`${m.method}\``), `${m.method} missing from docs/protocol.md`);
  });

  it('gives every message a doc line saying who sends it', () => {
    const dir = path.join(repo, 'shared/protocol');
    const sources = fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
    for (const m of ALL_MESSAGES) {
      const at = sources.indexOf(`'${m.method}'`);
      assert.ok(at > 0, `${m.method} not declared in shared/protocol`);
      const before = sources.slice(Math.max(0, at - 400), at);
      assert.match(before, /\/\*\*[^*]*(Client|Daemon|Extension|CLI)[^*]*→/, `${m.method} lacks a 'who → whom' doc line`);
    }
  });

  it('keeps raw method names out of code outside shared/protocol', () => {
    const offenders: string[] = [];
    for (const top of ['daemon', 'extension', 'webviews', 'shared']) walk(path.join(repo, top), (file) => {
      if (!file.endsWith('.ts') || file.includes(`${path.sep}protocol${path.sep}`)) return;
      if (/['"`]runlens\/[a-z]+\//.test(fs.readFileSync(file, 'utf8'))) offenders.push(path.relative(repo, file));
    });
    assert.deepEqual(offenders, []);
  });
});

function walk(dir: string, visit: (file: string) => void): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, visit);
    else visit(full);
  }
}
