/**
 * The HTML shell of a panel's webview: a strict Content Security Policy (nothing but our own files
 * and one nonce'd script; no inline handlers, no eval), the panel's bundle and stylesheet from
 * `dist/webviews/`, and an empty root the script fills.
 */
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';

export type PanelName = 'traces' | 'metrics';

/** Webview options shared by the panels: scripts on, and only `dist/webviews` readable. */
export function panelOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    retainContextWhenHidden: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webviews')],
  };
}

export function panelHtml(webview: vscode.Webview, extensionUri: vscode.Uri, panel: PanelName, title: string): string {
  const nonce = crypto.randomBytes(18).toString('base64');
  const asset = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webviews', file)).toString();
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset(`${panel}.css`)}" id="vscode-codicon-stylesheet">
<title>${title}</title>
</head>
<body>
<div id="root" class="${panel}-root"></div>
<script nonce="${nonce}" src="${asset(`${panel}.js`)}"></script>
</body>
</html>`;
}
