/**
 * When to restart a server that exited on its own: `no`, `on-failure` (non-zero exit or a signal)
 * or `always`, with exponential backoff (1 s doubling to 30 s) and a cap (by default 5 restarts in
 * 2 minutes, after which the server stays crashed and says why).
 */

export type RestartMode = 'no' | 'on-failure' | 'always';

export interface RestartPolicy {
  mode: RestartMode;
  maxRestarts: number;
  windowMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  mode: 'on-failure',
  maxRestarts: 5,
  windowMs: 120_000,
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
};

export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

export type RestartDecision = { restart: true; delayMs: number } | { restart: false; reason: string };

export function describeExit(exit: ExitInfo): string {
  if (exit.signal) return `killed by ${exit.signal}`;
  if (exit.code === null) return 'exited (exit code unknown: the process was started by an earlier daemon)';
  return `exited with code ${exit.code}`;
}

/** `recent` holds the times of earlier automatic restarts; the caller appends when it restarts. */
export function decideRestart(policy: RestartPolicy, exit: ExitInfo, recent: readonly number[], now: number): RestartDecision {
  const failed = exit.signal !== null || exit.code !== 0;
  if (policy.mode === 'no') return { restart: false, reason: `${describeExit(exit)}; restart policy is 'no'` };
  if (policy.mode === 'on-failure' && !failed) return { restart: false, reason: `${describeExit(exit)}; restart policy 'on-failure' restarts only on failure` };
  const inWindow = recent.filter((t) => now - t < policy.windowMs);
  if (inWindow.length >= policy.maxRestarts) {
    return {
      restart: false,
      reason: `${describeExit(exit)}; gave up after ${inWindow.length} restarts in ${Math.round(policy.windowMs / 1000)} s — fix the error in the logs, then start it again`,
    };
  }
  const delayMs = Math.min(policy.initialDelayMs * 2 ** inWindow.length, policy.maxDelayMs);
  return { restart: true, delayMs };
}
