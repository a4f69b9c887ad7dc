import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dependsOnMastra, detectProject } from '../../extension/workspaceDetect';

function folder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-ws-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

describe('workspace detection', () => {
  it('finds a runlens.json project', async () => {
    assert.equal(await detectProject(folder({ 'runlens.json': '{}' })), 'runlens');
  });

  it('finds a Mastra project by its dependencies', async () => {
    assert.equal(await detectProject(folder({ 'package.json': '{"dependencies":{"@mastra/core":"^0.10.0"}}' })), 'mastra');
    assert.ok(dependsOnMastra({ devDependencies: { mastra: '1' } }));
  });

  it('ignores other Node projects and broken package.json files', async () => {
    assert.equal(await detectProject(folder({ 'package.json': '{"dependencies":{"express":"4"}}' })), undefined);
    assert.equal(await detectProject(folder({ 'package.json': '{not json' })), undefined);
    assert.equal(await detectProject(folder({})), undefined);
  });
});
