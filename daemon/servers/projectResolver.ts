/**
 * Connects supervision to projects and builds: a project folder's servers come from its
 * runlens.json (or the Mastra defaults), and a server runs from the project's latest successful
 * build — building first when there is none or a rebuild was asked for, or from an older build
 * when one is named (rollback). Concurrent starts of one project share one build.
 */
import type { BuildRecord } from '../../shared/protocol/builds';
import type { BuildService } from '../builds/service';
import { loadProject } from '../projects/project';
import type { ProjectResolver } from '../rpc/serversHandlers';
import type { Launch, ServerSpec } from './spec';
import { specsFromProject } from './specsFromConfig';

const ENDED = new Set(['succeeded', 'failed', 'cancelled']);

export class ProjectServers implements ProjectResolver {
  private readonly pending = new Map<string, Promise<BuildRecord>>();

  constructor(private readonly builds: BuildService) {}

  async specs(projectDir: string): Promise<{ projectId: string; specs: ServerSpec[] }> {
    const project = await loadProject(projectDir);
    return { projectId: project.id, specs: specsFromProject(project) };
  }

  async launch(spec: ServerSpec, opts: { buildId?: string; rebuild?: boolean }): Promise<Launch> {
    if (opts.buildId) {
      const build = this.builds.get(opts.buildId);
      if (build.projectId !== spec.projectId) throw new Error(`build ${opts.buildId} belongs to another project`);
      if (build.status !== 'succeeded') throw new Error(`build ${opts.buildId} ${build.status}; pick a successful build to start from`);
      return { buildId: build.id, workDir: build.dir };
    }
    const latest = this.builds.list({ projectId: spec.projectId }).find((b) => b.status === 'succeeded');
    const build = latest && !opts.rebuild ? latest : await this.buildOnce(spec);
    return { buildId: build.id, workDir: build.dir };
  }

  private buildOnce(spec: ServerSpec): Promise<BuildRecord> {
    let build = this.pending.get(spec.projectId);
    if (!build) {
      build = this.buildAndWait(spec.projectDir).finally(() => this.pending.delete(spec.projectId));
      this.pending.set(spec.projectId, build);
    }
    return build;
  }

  private async buildAndWait(projectDir: string): Promise<BuildRecord> {
    let off: (() => void) | undefined;
    const done = new Promise<BuildRecord>((resolve) => {
      const onStart = (buildId: string) => {
        off = this.builds.subscribe({ buildId }, (e) => {
          if (e.kind === 'changed' && ENDED.has(e.build.status)) resolve(e.build);
        });
      };
      void this.builds.start(projectDir, { beforeQueue: onStart }).catch((err: unknown) => resolve(Promise.reject(err)));
    });
    try {
      const build = await done;
      if (build.status !== 'succeeded') {
        const why = build.failure ? `${build.failure.step}: ${build.failure.message}` : build.status;
        throw new Error(`the build of ${projectDir} ${build.status} (${why}); see its build log`);
      }
      return build;
    } finally {
      off?.();
    }
  }
}
