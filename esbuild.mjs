// Builds the four bundles: extension (cjs, `vscode` external), daemon, CLI (Node), webviews (browser).
// `--watch` rebuilds on change; `--production` minifies and drops source maps' inline sources.
import * as esbuild from 'esbuild';
import { readFileSync, readdirSync, existsSync, copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

const define = {
  RUNLENS_VERSION: JSON.stringify(pkg.version),
  RUNLENS_BUILD: String(Date.now()),
};

const common = {
  bundle: true,
  sourcemap: true,
  sourcesContent: !production,
  minify: production,
  logLevel: 'warning',
  define,
};

const node = { ...common, platform: 'node', target: 'node20', format: 'cjs' };

const webviewEntries = readdirSync('webviews', { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(`webviews/${d.name}/main.ts`))
  .map((d) => ({ in: `webviews/${d.name}/main.ts`, out: d.name }));

const builds = [
  // jsonc-parser's `main` is a UMD build whose inner requires esbuild cannot follow; its ES module build bundles.
  { ...node, entryPoints: ['extension/main.ts'], outfile: 'dist/extension.js', external: ['vscode'], mainFields: ['module', 'main'] },
  { ...node, entryPoints: ['daemon/main.ts'], outfile: 'dist/daemon.js' },
  // The local store runs in a worker thread so sql.js never blocks the daemon's event loop.
  { ...node, entryPoints: ['daemon/stores/local/storeWorker.ts'], outfile: 'dist/localStoreWorker.js' },
  { ...node, entryPoints: ['daemon/cli/main.ts'], outfile: 'dist/cli.js' },
  // Panels import their CSS (codicons, uPlot, their own); esbuild writes it beside the script, fonts as files.
  {
    ...common, platform: 'browser', target: 'chrome120', format: 'iife', entryPoints: webviewEntries, outdir: 'dist/webviews',
    loader: { '.ttf': 'file' }, assetNames: '[name]',
  },
];

// The daemon's local store loads sql.js's WebAssembly from beside the bundle (see
// daemon/stores/local/schema.ts); the packaged extension has no node_modules to find it in.
function copyRuntimeAssets() {
  mkdirSync('dist', { recursive: true });
  const require = createRequire(import.meta.url);
  copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), 'dist/sql-wasm.wasm');
}

copyRuntimeAssets();
if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('[esbuild] watching for changes');
} else {
  const started = Date.now();
  await Promise.all(builds.map((b) => esbuild.build(b)));
  console.log(`[esbuild] built ${builds.length} bundles in ${Date.now() - started} ms${production ? ' (production)' : ''}`);
}
