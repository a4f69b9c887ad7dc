import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { detectPackageManager, installArgs, parsePackageManagerField } from '../../daemon/builds/packageManager';
import { commandEnv } from '../../daemon/builds/toolchain';
import { nodeScript } from '../../daemon/builds/verify';

const files = (...names: string[]): Set<string> => new Set(['package.json', ...names]);

describe('package manager detection', () => {
  it('goes by lockfile first, in the order pnpm, yarn, bun, npm', () => {
    assert.deepEqual(detectPackageManager(files('pnpm-lock.yaml', 'package-lock.json'), {}), { name: 'pnpm', lockfile: 'pnpm-lock.yaml', source: 'lockfile', major: undefined });
    assert.equal(detectPackageManager(files('yarn.lock', 'package-lock.json'), {}).name, 'yarn');
    assert.equal(detectPackageManager(files('bun.lockb'), {}).name, 'bun');
    assert.equal(detectPackageManager(files('bun.lock'), {}).name, 'bun');
    assert.equal(detectPackageManager(files('package-lock.json'), { packageManager: 'pnpm@9.0.0' }).name, 'npm');
  });

  it('then the packageManager field, then npm', () => {
    assert.deepEqual(detectPackageManager(files(), { packageManager: 'yarn@4.1.0+sha512.abc' }), { name: 'yarn', source: 'packageManager', major: 4 });
    assert.deepEqual(detectPackageManager(files(), { packageManager: 'deno@2' }), { name: 'npm', source: 'default' });
    assert.deepEqual(detectPackageManager(files(), undefined), { name: 'npm', source: 'default' });
    assert.equal(parsePackageManagerField(42), undefined);
  });

  it('installs lockfile-exact with dev dependencies, preferring the cache', () => {
    assert.deepEqual(installArgs({ name: 'npm', lockfile: 'package-lock.json', source: 'lockfile' }), ['ci', '--include=dev', '--prefer-offline', '--no-audit', '--no-fund']);
    assert.deepEqual(installArgs({ name: 'npm', source: 'default' }).slice(0, 2), ['install', '--include=dev']);
    assert.deepEqual(installArgs({ name: 'pnpm', lockfile: 'pnpm-lock.yaml', source: 'lockfile' }), ['install', '--frozen-lockfile', '--prefer-offline']);
    assert.deepEqual(installArgs({ name: 'yarn', lockfile: 'yarn.lock', source: 'lockfile' }, 1), ['install', '--frozen-lockfile', '--prefer-offline']);
    assert.deepEqual(installArgs({ name: 'yarn', lockfile: 'yarn.lock', source: 'lockfile' }, 4), ['install', '--immutable']);
    assert.deepEqual(installArgs({ name: 'bun', lockfile: 'bun.lock', source: 'lockfile' }), ['install', '--frozen-lockfile']);
  });
});

describe('expected outputs of a start command', () => {
  it('finds the script a node command runs', () => {
    assert.equal(nodeScript('node dist/server.js'), 'dist/server.js');
    assert.equal(nodeScript('node --enable-source-maps -r ./otel.js dist/server.js --port 3'), 'dist/server.js');
    assert.equal(nodeScript('/usr/local/bin/node .mastra/output/index.mjs'), '.mastra/output/index.mjs');
    assert.equal(nodeScript('npm start'), undefined);
    assert.equal(nodeScript('node dist/a.js && node dist/b.js'), undefined);
  });
});

describe('install and build environment', () => {
  const base = { PATH: '/usr/bin', NODE_ENV: 'production', npm_lifecycle_event: 'test', npm_config_registry: 'http://registry.example', HOME: '/root' };

  it('never installs with NODE_ENV=production and drops a parent npm script\'s variables', () => {
    const env = commandEnv(base, { pathFirst: ['/opt/node22/bin'], install: true, mastra: true });
    assert.equal(env.NODE_ENV, undefined);
    assert.equal(env.npm_lifecycle_event, undefined);
    assert.equal(env.npm_config_registry, 'http://registry.example', "the user's npm configuration is kept");
    assert.equal(env.PATH, ['/opt/node22/bin', '/usr/bin'].join(path.delimiter));
    assert.equal(env.npm_config_prefer_offline, 'true');
    assert.equal(env.MASTRA_TELEMETRY_DISABLED, '1');
  });

  it('keeps NODE_ENV for the build step and leaves Mastra settings alone elsewhere', () => {
    const env = commandEnv(base, { pathFirst: [], install: false, mastra: false });
    assert.equal(env.NODE_ENV, 'production');
    assert.equal(env.MASTRA_TELEMETRY_DISABLED, undefined);
  });
});
