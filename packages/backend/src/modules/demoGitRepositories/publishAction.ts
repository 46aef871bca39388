import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';
import { DemoGitRepositoriesSettings } from './config';
import { branchHead, git } from './git';

export const DEMO_PUBLISH_ACTION_ID = 'demo:publish:git';

const REPO_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * DEMO ONLY: publishes the workspace to a bare Git repository in the demo folder with a real `git push`, where
 * `publish:github` or `publish:gitlab` would create a repository on an SCM (they cannot push to a local
 * repository). Registered only when `kargoPortalDemo.gitRepositories` is configured, as `./portal start` and the
 * browser tests do.
 *
 * A re-run finishes what a failed run left: the bare repository is created when missing (atomically, by renaming
 * a fully initialised one into place), the workspace is committed on top of the branch's current head only when
 * its content differs from it, and the push is a fast-forward. Publishing the same content twice changes nothing.
 */
export function createDemoPublishGitAction(
  settings: DemoGitRepositoriesSettings,
) {
  return createTemplateAction({
    id: DEMO_PUBLISH_ACTION_ID,
    description: `Demo only: pushes the workspace to the bare repository ${settings.directory}/<repoName>.git (branch ${settings.branch}), creating it when missing. Use publish:github or publish:gitlab on a real portal.`,
    supportsDryRun: true,
    examples: [
      {
        description:
          'Publish the workspace to the demo repository shop.git and use its file:// URL in later steps',
        example: yaml.stringify({
          steps: [
            {
              id: 'publish',
              action: DEMO_PUBLISH_ACTION_ID,
              name: 'Publish to the demo Git repository',
              input: { repoName: 'shop', commitMessage: 'New service shop' },
            },
          ],
        }),
      },
    ],
    schema: {
      input: {
        repoName: z =>
          z
            .string()
            .regex(REPO_NAME, 'must be a lowercase DNS-1123 label')
            .describe(
              'Name of the repository: <kargoPortalDemo.gitRepositories.directory>/<repoName>.git',
            ),
        sourcePath: z =>
          z
            .string()
            .optional()
            .describe('Workspace directory to publish. Default: the workspace'),
        commitMessage: z =>
          z
            .string()
            .min(1)
            .optional()
            .describe(
              'Message of the commit. Default: "Published by the scaffolder"',
            ),
      },
      output: {
        remoteUrl: z => z.string().describe('file:// URL of the repository'),
        branch: z => z.string().describe('The branch published to'),
        commitHash: z =>
          z.string().optional().describe('The branch head after publishing'),
        changed: z =>
          z.boolean().describe('Whether this run pushed a new commit'),
      },
    },
    async handler(ctx) {
      const { repoName, sourcePath, commitMessage } = ctx.input;
      if (!REPO_NAME.test(repoName)) {
        throw new Error(
          `repoName: "${repoName}" must be a lowercase DNS-1123 label`,
        );
      }
      const { directory, branch } = settings;
      const repository = path.join(directory, `${repoName}.git`);
      const remoteUrl = `file://${repository}`;
      const source = sourcePath
        ? resolveSafeChildPath(ctx.workspacePath, sourcePath)
        : ctx.workspacePath;
      ctx.output('remoteUrl', remoteUrl);
      ctx.output('branch', branch);

      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would push ${
            sourcePath ?? 'the workspace'
          } to ${remoteUrl} (branch ${branch})`,
        );
        ctx.output('changed', false);
        return;
      }

      await ensureBareRepository(repository, branch);
      const work = await fs.mkdtemp(path.join(os.tmpdir(), 'demo-publish-'));
      try {
        await git(['init', '-q', '-b', branch, work]);
        const head = await branchHead(repository, branch);
        if (head) {
          await git(['fetch', '-q', repository, `refs/heads/${branch}`], {
            cwd: work,
            signal: ctx.signal,
          });
          // The index and HEAD of the published head, the work tree the workspace's content.
          await git(['reset', '-q', 'FETCH_HEAD'], { cwd: work });
        }
        await fs.cp(source, work, {
          recursive: true,
          filter: file => path.basename(file) !== '.git',
        });
        await git(['add', '-A'], { cwd: work });
        const pending = await git(['status', '--porcelain'], { cwd: work });
        if (!pending) {
          if (!head) {
            throw new Error(
              `sourcePath: ${
                sourcePath ?? 'the workspace'
              } is empty: nothing to publish`,
            );
          }
          ctx.logger.info(
            `${remoteUrl} (branch ${branch}) already has this content at ${head}: nothing to push`,
          );
          ctx.output('commitHash', head);
          ctx.output('changed', false);
          return;
        }
        await git(
          [
            'commit',
            '-q',
            '-m',
            commitMessage ?? 'Published by the scaffolder',
          ],
          { cwd: work },
        );
        await git(['push', '-q', repository, `HEAD:refs/heads/${branch}`], {
          cwd: work,
          signal: ctx.signal,
        });
        const commit = await git(['rev-parse', 'HEAD'], { cwd: work });
        ctx.logger.info(`Pushed ${commit} to ${remoteUrl} (branch ${branch})`);
        ctx.output('commitHash', commit);
        ctx.output('changed', true);
      } finally {
        await fs.rm(work, { recursive: true, force: true });
      }
    },
  });
}

/** Creates the bare repository when missing: initialised aside, then renamed into place (never half made). */
async function ensureBareRepository(repository: string, branch: string) {
  const exists = await fs
    .stat(path.join(repository, 'HEAD'))
    .then(() => true)
    .catch(() => false);
  if (exists) return;
  await fs.mkdir(path.dirname(repository), { recursive: true });
  const aside = await fs.mkdtemp(`${repository}.init-`);
  try {
    await git(['init', '-q', '--bare', '-b', branch, aside]);
    await fs.rename(aside, repository);
  } catch (error) {
    await fs.rm(aside, { recursive: true, force: true });
    // Another run created it meanwhile: fine, it is the same empty repository.
    const now = await fs
      .stat(path.join(repository, 'HEAD'))
      .then(() => true)
      .catch(() => false);
    if (!now) throw error;
  }
}
