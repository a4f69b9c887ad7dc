import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMMAND_CATEGORY, COMMANDS } from '../../extension/commands';

interface Contributed {
  command: string;
  title: string;
  category?: string;
}

describe('commands table', () => {
  const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as {
    contributes: { commands: Contributed[] };
    activationEvents: string[];
  };

  it('matches the commands package.json contributes, id for id and title for title', () => {
    const contributed = Object.fromEntries(pkg.contributes.commands.map((c) => [c.command, c.title]));
    assert.deepEqual(contributed, { ...COMMANDS });
    for (const c of pkg.contributes.commands) assert.equal(c.category, COMMAND_CATEGORY, c.command);
  });

  it('never activates on every start-up', () => {
    assert.ok(!pkg.activationEvents.includes('*'));
    assert.ok(pkg.activationEvents.includes('workspaceContains:runlens.json'));
  });
});
