/**
 * Where builds live on disk and how their records persist:
 * `<state>/projects/<projectId>/builds/<buildId>/` holds `build.json` (the record, rewritten
 * atomically on every change), `build.log`, and `app/` (the isolated copy the build ran in).
 * Deleted builds are first renamed into `<state>/projects/<projectId>/trash/`, which is instant,
 * then removed in the background; a daemon that stops midway finishes the job on its next start.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { BuildRecord } from '../../shared/protocol';
import type { Logger } from '../log';

export class BuildStore {
  private readonly saving = new Map<string, Promise<void>>();
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

  /** Writes the record as it is now; saves of one build are serialised so the last one wins. */
  save(record: BuildRecord): Promise<void> {
    const snapshot = JSON.stringify(record, null, 2);
    const dir = this.buildDir(record.projectId, record.id);
    const prev = this.saving.get(record.id) ?? Promise.resolve();
    const next = prev.then(async () => {
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      const tmp = path.join(dir, `build.json.${process.pid}.tmp`);
      await fs.writeFile(tmp, snapshot, { mode: 0o600 });
      await fs.rename(tmp, path.join(dir, 'build.json'));
    }).catch((err: unknown) => this.log.error(`builds: cannot save ${record.id}: ${(err as Error).message}`));
    this.saving.set(record.id, next);
    void next.finally(() => {
      if (this.saving.get(record.id) === next) this.saving.delete(record.id);
    });
    return next;
  }

  /** Takes a build off the list at once; its files go in the background. */
  async remove(record: BuildRecord): Promise<void> {
    await this.saving.get(record.id);
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

  /** Waits for pending saves (not for background deletes, which a later start finishes). */
  async flush(): Promise<void> {
    await Promise.all(this.saving.values());
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
