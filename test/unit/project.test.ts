import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../../shared/config/validate';
import { loadProject, NotAProjectError, ProjectFileError, projectIdFor } from '../../daemon/projects/project';

describe('project detection', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-project-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, value: unknown): void => fs.writeFileSync(path.join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));

  it('knows a Mastra project without configuration', async () => {
    write('package.json', { name: '@acme/agent', dependencies: { '@mastra/core': '1.0.0' } });
    const p = await loadProject(dir);
    assert.equal(p.kind, 'mastra');
    assert.deepEqual(p.servers.map((s) => [s.name, s.start, s.port]), [['acme-agent', 'node .mastra/output/index.mjs', 'auto']]);
  });

  it('takes the servers of runlens.json, also for a Mastra project', async () => {
    write('package.json', { name: 'agent', devDependencies: { mastra: '1.0.0' } });
    write('runlens.json', { node: 'node_modules/node/bin/node', servers: [{ name: 'api', start: 'node api.js' }] });
    const p = await loadProject(dir);
    assert.equal(p.kind, 'mastra');
    assert.equal(p.config?.node, 'node_modules/node/bin/node');
    assert.deepEqual(p.servers.map((s) => s.name), ['api']);
  });

  it('names the stable id after the folder path', async () => {
    write('runlens.json', { servers: [] });
    assert.equal((await loadProject(dir)).id, projectIdFor(dir + path.sep));
    assert.match(projectIdFor(dir), /^[0-9a-f]{16}$/);
    assert.notEqual(projectIdFor(dir), projectIdFor(path.join(dir, 'other')));
  });

  it('says what is wrong with a folder or its files', async () => {
    await assert.rejects(loadProject(path.join(dir, 'missing')), NotAProjectError);
    await assert.rejects(loadProject(dir), (e: Error) => e instanceof NotAProjectError && /neither a package\.json nor a runlens\.json/.test(e.message));
    write('package.json', '{ nope');
    await assert.rejects(loadProject(dir), (e: Error) => e instanceof ProjectFileError && e.message.includes(path.join(dir, 'package.json')));
    write('package.json', { name: 'x' });
    write('runlens.json', { servers: [{ name: 'x' }] });
    await assert.rejects(loadProject(dir), (e: Error) => e instanceof ConfigError && e.message.includes('servers[0].start'));
  });
});
