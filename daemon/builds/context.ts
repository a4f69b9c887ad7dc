/**
 * What the steps of one build share: its record, copy, log, cancel signal and what prepare found,
 * and the two ways a build stops early.
 */
import type { BuildRecord } from '../../shared/protocol';
import type { Project } from '../projects/project';
import type { BuildLogWriter } from './buildLog';
import type { PackageManagerChoice } from './packageManager';

export class StepFailure extends Error {}

/** Thrown when the build was cancelled or timed out; the service knows which. */
export class BuildAborted extends Error {}

export interface BuildContext {
  record: BuildRecord;
  appDir: string;
  log: BuildLogWriter;
  signal: AbortSignal;
  /** The daemon's own environment, the base of every command's. */
  baseEnv: NodeJS.ProcessEnv;
  /** Absolute paths the copy must leave out (the state directory, when inside the project). */
  exclude: string[];
  /** Persists the record and tells subscribers; called on every step change. */
  changed(): void;
  /** Called by prepare once the project's configuration is known (its timeout, say). */
  onProject(project: Project): void;
  /** Set by prepare. */
  project?: Project;
  packageManager?: PackageManagerChoice;
}

export function say(ctx: BuildContext, text: string, step = ctx.record.step ?? 'prepare'): void {
  for (const line of text.split('\n')) ctx.log.write('system', step, line);
}
