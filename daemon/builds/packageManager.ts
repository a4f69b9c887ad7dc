/**
 * Which package manager a project uses and how to run a fresh, lockfile-exact install with it.
 * Lockfiles decide first (pnpm, yarn, bun, npm), then `packageManager` in package.json, else npm.
 */

export type PackageManagerName = 'npm' | 'pnpm' | 'yarn' | 'bun';

export interface PackageManagerChoice {
  name: PackageManagerName;
  /** The lockfile found, if any. */
  lockfile?: string;
  /** Why this one: its lockfile, the `packageManager` field, or the default. */
  source: 'lockfile' | 'packageManager' | 'default';
  /** Major version named by `packageManager` (e.g. 4 for `yarn@4.1.0`). */
  major?: number;
}

/** Checked in this order; the first present decides. */
const LOCKFILES: readonly [string, PackageManagerName][] = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['yarn.lock', 'yarn'],
  ['bun.lock', 'bun'],
  ['bun.lockb', 'bun'],
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
];

const NAMES: readonly PackageManagerName[] = ['npm', 'pnpm', 'yarn', 'bun'];

/** `files`: names present at the project root. */
export function detectPackageManager(files: ReadonlySet<string>, pkg: Record<string, unknown> | undefined): PackageManagerChoice {
  const declared = parsePackageManagerField(pkg?.packageManager);
  for (const [lockfile, name] of LOCKFILES) {
    if (files.has(lockfile)) {
      return { name, lockfile, source: 'lockfile', major: declared?.name === name ? declared.major : undefined };
    }
  }
  if (declared) return { name: declared.name, source: 'packageManager', major: declared.major };
  return { name: 'npm', source: 'default' };
}

/** `pnpm@9.1.0+sha512...` → { name: 'pnpm', major: 9 }; unknown managers are ignored. */
export function parsePackageManagerField(value: unknown): { name: PackageManagerName; major?: number } | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(npm|pnpm|yarn|bun)(?:@(\d+))?/.exec(value.trim());
  if (!m) return undefined;
  return { name: m[1] as PackageManagerName, major: m[2] === undefined ? undefined : Number(m[2]) };
}

export function isPackageManagerName(v: string): v is PackageManagerName {
  return (NAMES as readonly string[]).includes(v);
}

/**
 * The install command: lockfile-exact when there is a lockfile, with devDependencies (build tools
 * live there) and preferring the local package cache. `yarnMajor` tells classic yarn from berry.
 */
export function installArgs(choice: PackageManagerChoice, yarnMajor?: number): string[] {
  const locked = choice.lockfile !== undefined;
  switch (choice.name) {
    case 'npm':
      return locked
        ? ['ci', '--include=dev', '--prefer-offline', '--no-audit', '--no-fund']
        : ['install', '--include=dev', '--prefer-offline', '--no-audit', '--no-fund'];
    case 'pnpm':
      return locked ? ['install', '--frozen-lockfile', '--prefer-offline'] : ['install', '--prefer-offline'];
    case 'yarn':
      if ((yarnMajor ?? choice.major ?? 1) >= 2) return locked ? ['install', '--immutable'] : ['install'];
      return locked ? ['install', '--frozen-lockfile', '--prefer-offline'] : ['install', '--prefer-offline'];
    case 'bun':
      return locked ? ['install', '--frozen-lockfile'] : ['install'];
  }
}

/** Arguments that run a package.json script; the same for every manager. */
export function runScriptArgs(script: string): string[] {
  return ['run', script];
}
