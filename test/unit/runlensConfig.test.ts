import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUILD_KEYS, HEALTH_KEYS, parseRunlensConfig, RESTART_KEYS, SERVER_KEYS, TOP_LEVEL_KEYS } from '../../shared/config/validate';

const repo = path.resolve(__dirname, '../..');
const FILE = '/work/app/runlens.json';

function problems(doc: unknown): string[] {
  return parseRunlensConfig(JSON.stringify(doc), FILE).problems.map((p) => p.message);
}

describe('runlens.json validation', () => {
  it('accepts a full config', () => {
    const { config, problems: found } = parseRunlensConfig(
      JSON.stringify({
        node: '/usr/bin/node',
        build: { timeoutMs: 60000, keep: 3 },
        servers: [
          { name: 'db', start: 'node db.js', port: 5555 },
          {
            name: 'api',
            build: 'npm run build',
            start: 'node dist/server.js',
            cwd: 'packages/api',
            env: { A: '1' },
            envFiles: ['.env'],
            port: 'auto',
            health: { path: '/health', intervalMs: 500 },
            restart: { mode: 'on-failure', maxRestarts: 3, backoffMs: 100 },
            dependsOn: ['db'],
            output: ['dist/server.js'],
          },
        ],
      }),
      FILE,
    );
    assert.deepEqual(found, []);
    assert.equal(config?.servers?.[1]?.name, 'api');
  });

  it('names the file, the field and what is expected', () => {
    const [message] = problems({ servers: [{ name: 'api', start: 'node x.js', port: 'eighty' }] });
    assert.equal(message, `${FILE}: servers[0].port: expected a port number from 1 to 65535, or "auto" (got "eighty")`);
  });

  it('reports every problem in one pass', () => {
    const found = problems({ servers: [{ name: 'bad name!', port: 70000, restart: 'sometimes', health: { path: 'health' } }], extra: 1 });
    const fields = found.map((m) => m.split(': ')[1]);
    assert.deepEqual(fields.sort(), ['extra', 'servers[0].health.path', 'servers[0].name', 'servers[0].port', 'servers[0].restart', 'servers[0].start'].sort());
    assert.ok(found.find((m) => m.includes('servers[0].start'))!.includes('it is required'));
    assert.ok(found.find((m) => m.includes('extra'))!.includes('known fields: $schema, node, build, servers'));
  });

  it('names unknown fields whose keys are empty or hold dots, quoted', () => {
    const found = parseRunlensConfig(JSON.stringify({ '': 1, servers: [{ name: 'a', start: 'node a.js', 'x.y': 2 }] }), FILE).problems;
    assert.deepEqual(found.map((p) => p.field).sort(), ['""', 'servers[0]."x.y"']);
    for (const p of found) assert.ok(p.message.startsWith(`${FILE}: ${p.field}: expected no such field`), p.message);
  });

  it('checks names are unique and dependencies exist', () => {
    const found = problems({ servers: [{ name: 'a', start: 'x' }, { name: 'a', start: 'y', dependsOn: ['b'] }] });
    assert.equal(found.length, 2);
    assert.match(found[0]!, /servers\[1\]\.name: expected a name no other server uses/);
    assert.match(found[1]!, /servers\[1\]\.dependsOn\[0\]: expected the name of a server in this file \(no server is named 'b'\)/);
  });

  it('rejects a cwd outside the project folder', () => {
    assert.match(problems({ servers: [{ name: 'a', start: 'x', cwd: '../other' }] })[0]!, /servers\[0\]\.cwd: expected a folder inside the project folder/);
  });

  it('points at the line and column of a JSON syntax error', () => {
    const { problems: found } = parseRunlensConfig('{\n  "servers": [\n    { "name": "a", }\n  ]\n}', FILE);
    assert.equal(found.length, 1);
    assert.match(found[0]!.message, /^\/work\/app\/runlens\.json \(line 3, column \d+\): expected valid JSON/);
  });

  it('knows the same fields as the JSON schema contributed to the editor', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(repo, 'shared/config/runlens.schema.json'), 'utf8'));
    const keys = (o: { properties: Record<string, unknown> }): string[] => Object.keys(o.properties).sort();
    assert.deepEqual(keys(schema), [...TOP_LEVEL_KEYS].sort());
    assert.deepEqual(keys(schema.properties.build), [...BUILD_KEYS].sort());
    const server = schema.definitions.server;
    assert.deepEqual(keys(server), [...SERVER_KEYS].sort());
    assert.deepEqual(keys(server.properties.health), [...HEALTH_KEYS].sort());
    assert.deepEqual(keys(server.properties.restart.oneOf[1]), [...RESTART_KEYS].sort());
    assert.deepEqual(server.required, ['name', 'start']);
  });

  it('is contributed to VS Code for runlens.json files', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
    const entry = pkg.contributes.jsonValidation.find((j: { fileMatch: string }) => j.fileMatch === 'runlens.json');
    assert.equal(entry.url, './shared/config/runlens.schema.json');
  });

  it('accepts the runlens.json of every example', () => {
    for (const dir of fs.readdirSync(path.join(repo, 'examples'))) {
      const file = path.join(repo, 'examples', dir, 'runlens.json');
      if (!fs.existsSync(file)) continue;
      assert.deepEqual(parseRunlensConfig(fs.readFileSync(file, 'utf8'), file).problems, [], file);
    }
  });
});
