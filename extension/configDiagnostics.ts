/**
 * Problems of each workspace folder's `runlens.json` in the Problems view and as squiggles: checked
 * with the daemon's own rules when a folder opens, on every edit of an open runlens.json, and when
 * the file changes on disk. Each diagnostic sits on the offending field.
 */
import * as vscode from 'vscode';
import { checkRunlensJson } from './configLocations';
import { DisposableStore } from './disposables';

const FILE = 'runlens.json';

export class ConfigDiagnostics implements vscode.Disposable {
  private readonly scope = new DisposableStore();
  private readonly collection = this.scope.add(vscode.languages.createDiagnosticCollection('runlens'));

  constructor() {
    this.scope.add(vscode.workspace.onDidOpenTextDocument((d) => this.checkDocument(d)));
    this.scope.add(vscode.workspace.onDidChangeTextDocument((e) => this.checkDocument(e.document)));
    // Closed without saving: what counts again is the file on disk.
    this.scope.add(vscode.workspace.onDidCloseTextDocument((d) => {
      if (isRunlensJson(d.uri)) void this.checkFile(d.uri, true);
    }));
    // The first file watcher costs milliseconds the window's start-up should not wait for.
    const timer = setTimeout(() => this.start(), 0);
    this.scope.add({ dispose: () => clearTimeout(timer) });
  }

  dispose(): void {
    this.scope.dispose();
  }

  private start(): void {
    for (const doc of vscode.workspace.textDocuments) this.checkDocument(doc);
    for (const folder of vscode.workspace.workspaceFolders ?? []) this.watch(folder);
  }

  private watch(folder: vscode.WorkspaceFolder): void {
    const watcher = this.scope.add(vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, FILE)));
    const onDisk = (uri: vscode.Uri) => void this.checkFile(uri);
    this.scope.add(watcher.onDidCreate(onDisk));
    this.scope.add(watcher.onDidChange(onDisk));
    this.scope.add(watcher.onDidDelete((uri) => this.collection.delete(uri)));
    void this.checkFile(vscode.Uri.joinPath(folder.uri, FILE));
  }

  private async checkFile(uri: vscode.Uri, closed = false): Promise<void> {
    // An open document is checked as the user types; its unsaved text wins over the file.
    if (!closed && vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) return;
    try {
      const text = Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8');
      this.publish(uri, text, (offset) => positionIn(text, offset));
    } catch {
      this.collection.delete(uri);
    }
  }

  private checkDocument(doc: vscode.TextDocument): void {
    if (!isRunlensJson(doc.uri)) return;
    this.publish(doc.uri, doc.getText(), (offset) => doc.positionAt(offset));
  }

  private publish(uri: vscode.Uri, text: string, position: (offset: number) => vscode.Position): void {
    const diagnostics = checkRunlensJson(text, uri.fsPath).map((p) => {
      const d = new vscode.Diagnostic(new vscode.Range(position(p.offset), position(p.offset + p.length)), p.message, vscode.DiagnosticSeverity.Error);
      d.source = 'Runlens';
      return d;
    });
    this.collection.set(uri, diagnostics);
  }
}

function isRunlensJson(uri: vscode.Uri): boolean {
  return uri.scheme === 'file' && uri.path.endsWith(`/${FILE}`);
}

/** Line and character of `offset` in `text`, for a file that is not open in an editor. */
function positionIn(text: string, offset: number): vscode.Position {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return new vscode.Position(line, offset - (before.lastIndexOf('\n') + 1));
}
