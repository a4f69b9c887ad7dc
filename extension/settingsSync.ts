/**
 * Keeps the daemon in step with the `runlens.*` settings and the ClickHouse password. Telemetry
 * settings go to the daemon with `telemetry/configure` on every connection and on every change
 * (the password comes from SecretStorage and is never written to a log). Settings the daemon or the
 * window read only at start-up say so when changed, and offer the restart or reload.
 */
import * as vscode from 'vscode';
import { TelemetryConfigureRequest } from '../shared/protocol/telemetry';
import {
  DAEMON_RESTART_KEYS, RELOAD_KEYS, SETTINGS, TELEMETRY_KEYS, readSettings, telemetryParams,
  type RunlensSettings, type SettingKey,
} from './config';
import type { DaemonClient } from './daemonClient';
import { DisposableStore } from './disposables';

const PASSWORD_KEY = 'runlens.telemetry.clickhouse.password';

/** Reads the settings now; problems are logged and shown once. */
export function currentSettings(log?: vscode.LogOutputChannel): RunlensSettings {
  const config = vscode.workspace.getConfiguration('runlens');
  const { settings, problems } = readSettings((key) => config.get(key));
  for (const p of problems) {
    log?.warn(p.message);
    void vscode.window.showWarningMessage(`Runlens: ${p.message}`, 'Open Settings').then((pick) => {
      if (pick) void vscode.commands.executeCommand('workbench.action.openSettings', p.key);
    });
  }
  return settings;
}

export class SettingsSync implements vscode.Disposable {
  private readonly scope = new DisposableStore();
  private settings: RunlensSettings;

  constructor(
    private readonly client: DaemonClient,
    private readonly secrets: vscode.SecretStorage,
    private readonly log: vscode.LogOutputChannel,
    initial: RunlensSettings,
  ) {
    this.settings = initial;
    this.scope.add(vscode.workspace.onDidChangeConfiguration((e) => this.onConfigChanged(e)));
    this.scope.add(secrets.onDidChange((e) => {
      if (e.key === PASSWORD_KEY) void this.configureTelemetry();
    }));
    this.scope.add(client.onDidChangeState((s) => {
      if (s.kind === 'connected') void this.configureTelemetry();
    }));
  }

  get current(): RunlensSettings {
    return this.settings;
  }

  /** "Set ClickHouse Password": stores it in SecretStorage (empty input removes it). */
  async askPassword(): Promise<void> {
    const value = await vscode.window.showInputBox({
      title: 'Runlens: ClickHouse password',
      prompt: `Password of the ClickHouse user '${this.settings.telemetry.clickhouse.user}'. Kept in the editor's secret storage; leave empty to remove it.`,
      password: true,
      ignoreFocusOut: true,
    });
    if (value === undefined) return;
    if (value === '') await this.secrets.delete(PASSWORD_KEY);
    else await this.secrets.store(PASSWORD_KEY, value);
    // secrets.onDidChange sends the new password to the daemon.
    void vscode.window.showInformationMessage(value ? 'Runlens: ClickHouse password saved.' : 'Runlens: ClickHouse password removed.');
  }

  dispose(): void {
    this.scope.dispose();
  }

  private onConfigChanged(e: vscode.ConfigurationChangeEvent): void {
    const touched = (keys: readonly SettingKey[]) => keys.filter((k) => e.affectsConfiguration(`runlens.${k}`));
    if (!(Object.keys(SETTINGS) as SettingKey[]).some((k) => e.affectsConfiguration(`runlens.${k}`))) return;
    this.settings = currentSettings(this.log);
    if (touched(TELEMETRY_KEYS).length) void this.configureTelemetry();
    const restart = touched(DAEMON_RESTART_KEYS);
    if (restart.length) this.offer(restart, 'takes effect when the Runlens daemon restarts (servers keep running).', 'Restart Daemon', 'runlens.restartDaemon');
    const reload = touched(RELOAD_KEYS);
    if (reload.length) this.offer(reload, 'takes effect after a window reload.', 'Reload Window', 'workbench.action.reloadWindow');
  }

  private offer(keys: SettingKey[], what: string, button: string, command: string): void {
    const names = keys.map((k) => `runlens.${k}`).join(', ');
    void vscode.window.showInformationMessage(`Runlens: ${names} ${what}`, button).then((pick) => {
      if (pick) void vscode.commands.executeCommand(command);
    });
  }

  private async configureTelemetry(): Promise<void> {
    if (this.client.state.kind !== 'connected') return;
    try {
      const password = await this.secrets.get(PASSWORD_KEY);
      const params = telemetryParams(this.settings, password);
      const { backend } = await this.client.request(TelemetryConfigureRequest, params);
      // Never the params themselves: they carry the password.
      this.log.info(`telemetry configured: backend ${backend}${params.clickhouse ? `, ClickHouse ${params.clickhouse.url}${password ? ' with a password' : ''}` : ''}`);
    } catch (err) {
      this.log.warn(`telemetry settings not applied: ${(err as Error).message}`);
    }
  }
}
