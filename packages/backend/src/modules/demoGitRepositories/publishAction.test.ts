import fs from 'node:fs/promises';
import path from 'node:path';
import { createMockDirectory } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { git } from './git';
import { createDemoPublishGitAction } from './publishAction';

describe('demo:publish:git', () => {
  const repos = createMockDirectory();
  const workspace = createMockDirectory();
  const action = createDemoPublishGitAction({
    directory: repos.path,
    branch: 'main',
    refreshSeconds: 10,
  });

  const publish = async (input: Record<string, string> = {}) => {
    const ctx = createMockActionContext({
      workspacePath: workspace.path,
      input: { repoName: 'shop', ...input },
    });
    await action.handler(ctx as never);
    const outputs = Object.fromEntries(
      (ctx.output as jest.Mock).mock.calls.map(([k, v]) => [k, v]),
    );
    return outputs;
  };
  const bare = () => path.join(repos.path, 'shop.git');
  const log = () =>
    git(['--git-dir', bare(), 'log', '--format=%s', 'main']).then(out =>
      out.split('\n'),
    );

  beforeEach(() => {
    repos.clear();
    workspace.setContent({
      'catalog-info.yaml': 'kind: Component\n',
      'env/dev/values.yaml': 'app: {}\n',
    });
  });

  it('creates the bare repository and pushes the workspace; a re-run with the same content pushes nothing', async () => {
    const first = await publish({ commitMessage: 'New service shop' });
    expect(first).toMatchObject({
      remoteUrl: `file://${bare()}`,
      branch: 'main',
      changed: true,
    });
    expect(
      await git(['--git-dir', bare(), 'show', 'main:env/dev/values.yaml']),
    ).toBe('app: {}');

    const again = await publish({ commitMessage: 'New service shop' });
    expect(again).toMatchObject({
      changed: false,
      commitHash: first.commitHash,
    });
    expect(await log()).toEqual(['New service shop']);
  });

  it('adds a commit on top of what is there when the content changed (a run finishing a failed one)', async () => {
    await publish();
    workspace.addContent({ 'kargo/project.yaml': 'kind: Project\n' });
    const second = await publish({ commitMessage: 'Kargo project' });
    expect(second.changed).toBe(true);
    expect(await log()).toEqual([
      'Kargo project',
      'Published by the scaffolder',
    ]);
  });

  it('finishes when an earlier run left only an initialised, empty repository', async () => {
    await git(['init', '-q', '--bare', '-b', 'main', bare()]);
    expect((await publish()).changed).toBe(true);
  });

  it('refuses an empty workspace and a repository name that is not a DNS label', async () => {
    workspace.clear();
    await expect(publish()).rejects.toThrow(/nothing to publish/);
    await expect(publish({ repoName: '../etc' })).rejects.toThrow(
      /repoName: .* DNS-1123 label/,
    );
    await expect(fs.readdir(repos.path)).resolves.toEqual(['shop.git']);
  });

  it('writes nothing in a dry run', async () => {
    const ctx = {
      ...createMockActionContext({
        workspacePath: workspace.path,
        input: { repoName: 'shop' },
      }),
      isDryRun: true,
    };
    await action.handler(ctx as never);
    await expect(fs.readdir(repos.path)).resolves.toEqual([]);
  });
});
