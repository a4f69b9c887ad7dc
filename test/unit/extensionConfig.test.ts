import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SETTINGS, daemonEnv, readSettings, telemetryParams, type SettingKey } from '../../extension/config';

const from = (values: Partial<Record<SettingKey, unknown>>) => (key: SettingKey) => values[key];

describe('extension settings', () => {
  it('gives the defaults when nothing is set', () => {
    const { settings, problems } = readSettings(from({}));
    assert.deepEqual(problems, []);
    assert.equal(settings.telemetry.backend, 'local');
    assert.equal(settings.healthIntervalMs, 10_000);
    assert.equal(settings.logBufferLines, 1000);
    assert.equal(settings.autoStartServers, false);
    assert.equal(settings.stateDir, '');
  });

  it('replaces a wrong value by its default and names the setting and what it expects', () => {
    const { settings, problems } = readSettings(from({ 'health.intervalMs': 50, 'telemetry.backend': 'mysql', 'logs.openOnStart': 'yes' }));
    assert.equal(settings.healthIntervalMs, 10_000);
    assert.equal(settings.telemetry.backend, 'local');
    assert.equal(settings.openLogsOnStart, false);
    assert.deepEqual(problems.map((p) => p.key).sort(), ['runlens.health.intervalMs', 'runlens.logs.openOnStart', 'runlens.telemetry.backend']);
    assert.match(problems.find((p) => p.key === 'runlens.health.intervalMs')!.message, /expected milliseconds from 500 to 3600000 \(got 50\); using 10000/);
  });

  it('falls back to the local store when ClickHouse is chosen without a URL', () => {
    const { settings, problems } = readSettings(from({ 'telemetry.backend': 'clickhouse' }));
    assert.equal(settings.telemetry.backend, 'local');
    assert.equal(problems[0]?.key, 'runlens.telemetry.clickhouse.url');
  });

  it('rejects a ClickHouse URL that is not http(s)', () => {
    const { problems } = readSettings(from({ 'telemetry.clickhouse.url': 'ftp://db' }));
    assert.equal(problems[0]?.key, 'runlens.telemetry.clickhouse.url');
  });

  it('builds telemetry/configure params with the password only when there is one', () => {
    const { settings } = readSettings(from({ 'telemetry.backend': 'clickhouse', 'telemetry.clickhouse.url': 'http://127.0.0.1:8123', 'telemetry.retentionDays': 3 }));
    assert.deepEqual(telemetryParams(settings, 's3cret'), {
      backend: 'clickhouse',
      clickhouse: { url: 'http://127.0.0.1:8123', user: 'default', database: 'runlens', password: 's3cret' },
      retention: { maxAgeDays: 3 },
    });
    assert.equal(telemetryParams(settings, undefined).clickhouse?.password, undefined);
    const local = readSettings(from({})).settings;
    assert.deepEqual(telemetryParams(local, 'x'), { backend: 'local', retention: { maxAgeDays: 7 } });
  });

  it('passes the start-up settings to a new daemon through its environment', () => {
    const { settings } = readSettings(from({ 'health.intervalMs': 2500 }));
    assert.deepEqual(daemonEnv(settings), { RUNLENS_HEALTH_INTERVAL_MS: '2500' });
  });

  it('matches the settings package.json contributes, key for key and default for default', () => {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, { default: unknown; markdownDescription?: string }> } };
    };
    const contributed = pkg.contributes.configuration.properties;
    assert.deepEqual(Object.keys(contributed).sort(), Object.keys(SETTINGS).map((k) => `runlens.${k}`).sort());
    for (const [key, spec] of Object.entries(SETTINGS)) {
      assert.deepEqual(contributed[`runlens.${key}`]!.default, spec.default, key);
      assert.ok(contributed[`runlens.${key}`]!.markdownDescription, `${key} has a description`);
    }
  });
});
