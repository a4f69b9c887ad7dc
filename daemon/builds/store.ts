/**
 * Where builds live on disk and how their records persist:
 * `<state>/projects/<projectId>/builds/<buildId>/` holds `build.json` (the record, rewritten
 * atomically on every change), `build.log`, and `app/` (the isolated copy the build ran in).
 * Deleted builds are first renamed into `<state>/projects/<projectId>/trash/`, which is instant,
 * then removed in the background; a daemon that stops midway finishes the job on its next start.
 */
import * as fsSync from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { BuildRecord } from '../../shared/protocol';
import type { Logger } from '../log';

export class BuildStore {
  private readonly removals = new Set<Promise<void>>();

  constructor(readonly home: string, private readonly log: Logger) {}

  get projectsDir(): string {
    return path.join(this.home, 'projects');
  }

  buildDir(projectId: string, buildId: string): string {
    return path.join(this.projectsDir, projectId, 'builds', buildId);
  }

  appDir(projectId: string, buildId: string): string {
    return path.join(this.buildDir(projectId, buildId), 'app');
  }

  logFile(record: Pick<BuildRecord, 'projectId' | 'id'>): string {
    return path.join(this.buildDir(record.projectId, record.id), 'build.log');
  }

  /** Every record on disk; unreadable ones are logged and skipped. Empties trash left behind. */
  async loadAll(): Promise<BuildRecord[]> {
    const records: BuildRecord[] = [];
    for (const projectId of await list(this.projectsDir)) {
      for (const trashed of await list(path.join(this.projectsDir, projectId, 'trash'))) {
        this.track(fs.rm(path.join(this.projectsDir, projectId, 'trash', trashed), { recursive: true, force: true }));
      }
      for (const buildId of await list(path.join(this.projectsDir, projectId, 'builds'))) {
        const file = path.join(this.buildDir(projectId, buildId), 'build.json');
        try {
          records.push(JSON.parse(await fs.readFile(file, 'utf8')) as BuildRecord);
        } catch (err) {
          this.log.warn(`builds: ignoring ${file}: ${(err as Error).message}`);
        }
      }
    }
    return records;
  }

  /**
   * Writes the record as it is now, before returning: a daemon killed just after a step began must
   * leave that step on disk, so the next daemon names it when it marks the build failed. Records
   * are a few KB and change once per step, so the synchronous write costs next to nothing, and
   * saves cannot land out of order.
   */
  save(record: BuildRecord): Promise<void> {
    const dir = this.buildDir(record.projectId, record.id);
    try {
      fsSync.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const tmp = path.join(dir, `build.json.${process.pid}.tmp`);
      fsSync.writeFileSync(tmp, JSON.stringify(record, null, 2), { mode: 0o600 });
      fsSync.renameSync(tmp, path.join(dir, 'build.json'));
    } catch (err) {
      this.log.error(`builds: cannot save ${record.id}: ${(err as Error).message}`);
    }
    return Promise.resolve();
  }

  /** Takes a build off the list at once; its files go in the background. */
  async remove(record: BuildRecord): Promise<void> {
    const trash = path.join(this.projectsDir, record.projectId, 'trash');
    await fs.mkdir(trash, { recursive: true, mode: 0o700 });
    const target = path.join(trash, `${record.id}-${Date.now()}`);
    try {
      await fs.rename(this.buildDir(record.projectId, record.id), target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    this.track(fs.rm(target, { recursive: true, force: true }));
  }

  /** Saves are synchronous; kept so callers need not know (background deletes are not waited for). */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  /** Waits for background deletes too; tests and benchmarks use it. */
  async idle(): Promise<void> {
    await this.flush();
    await Promise.all(this.removals);
  }

  private track(p: Promise<void>): void {
    const tracked = p.catch((err: unknown) => this.log.warn(`builds: cleanup failed: ${(err as Error).message}`));
    this.removals.add(tracked);
    void tracked.finally(() => this.removals.delete(tracked));
  }
}

async function list(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
}
