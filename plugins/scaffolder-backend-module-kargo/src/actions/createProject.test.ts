import fs from 'node:fs/promises';
import path from 'node:path';
import { createMockDirectory } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { parseManifests } from '@kargo-portal/plugin-kargo-common';
import { createKargoProjectAction } from './createProject';

describe('kargo:project:create', () => {
  const workspace = createMockDirectory();
  const action = createKargoProjectAction();

  beforeEach(() => workspace.clear());

  it('writes a project whose stages form a chain', async () => {
    const ctx = createMockActionContext({
      workspacePath: workspace.path,
      input: {
        project: 'guestbook',
        stages: ['dev', 'staging', 'prod'],
        warehouse: 'main',
        image: { repoURL: 'ghcr.io/acme/guestbook', constraint: '^1.0.0' },
        targetPath: 'kargo/project.yaml',
      },
    });
    await action.handler(ctx);

    const file = path.join(workspace.path, 'kargo/project.yaml');
    const manifests = parseManifests({
      source: file,
      text: await fs.readFile(file, 'utf8'),
    });
    expect(manifests.map(m => `${m.kind}/${m.metadata.name}`)).toEqual([
      'Project/guestbook',
      'Warehouse/main',
      'Stage/dev',
      'Stage/staging',
      'Stage/prod',
    ]);
    const prod = manifests[4];
    expect(
      prod.kind === 'Stage' && prod.spec.requestedFreight[0].sources,
    ).toEqual({
      stages: ['staging'],
    });
    expect(ctx.output).toHaveBeenCalledWith('path', 'kargo/project.yaml');
  });

  it('names the owners of the project in its manifest', async () => {
    const ctx = createMockActionContext({
      workspacePath: workspace.path,
      input: {
        project: 'shop',
        stages: ['dev'],
        warehouse: 'main',
        image: { repoURL: 'ghcr.io/acme/shop' },
        owners: ['group:default/team-a', ''],
        targetPath: 'kargo/project.yaml',
      },
    });
    await action.handler(ctx);
    const file = path.join(workspace.path, 'kargo/project.yaml');
    const [project] = parseManifests({
      source: file,
      text: await fs.readFile(file, 'utf8'),
    });
    expect(project.metadata.annotations).toEqual({
      'kargo-portal/owners': 'group:default/team-a',
    });
  });

  it.each([
    [
      'no subscription',
      { project: 'p', stages: ['dev'], warehouse: 'w', targetPath: 'k.yaml' },
      'set "image" or "git"',
    ],
    [
      'a repeated stage',
      {
        project: 'p',
        stages: ['dev', 'dev'],
        warehouse: 'w',
        git: { repoURL: 'https://github.com/acme/p.git', branch: 'main' },
        targetPath: 'k.yaml',
      },
      '"stages" lists a stage twice',
    ],
    [
      'a path outside the workspace',
      {
        project: 'p',
        stages: ['dev'],
        warehouse: 'w',
        git: { repoURL: 'https://github.com/acme/p.git', branch: 'main' },
        targetPath: '../escape.yaml',
      },
      'outside',
    ],
  ])('rejects %s', async (_, input, message) => {
    const ctx = createMockActionContext({
      workspacePath: workspace.path,
      input,
    });
    await expect(action.handler(ctx)).rejects.toThrow(message);
  });
});
