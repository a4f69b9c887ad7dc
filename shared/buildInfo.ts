/**
 * Version and build stamp of this bundle, injected by esbuild (`define`). Under tsx (unit tests)
 * the globals are absent and the fallbacks apply.
 */
declare const RUNLENS_VERSION: string | undefined;
declare const RUNLENS_BUILD: number | undefined;

export const VERSION: string = typeof RUNLENS_VERSION === 'string' ? RUNLENS_VERSION : '0.0.0-dev';
export const BUILD: number = typeof RUNLENS_BUILD === 'number' ? RUNLENS_BUILD : 0;
