import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  createMockDirectory,
  mockServices,
} from '@backstage/backend-test-utils';
import { EntityProviderConnection } from '@backstage/plugin-catalog-node';
import { DemoGitRepositoriesEntityProvider } from './entityProvider';
import { git } from './git';

describe('DemoGitRepositoriesEntityProvider', () => {
  const repos = createMockDirectory();

  /** Pushes files as a commit to the bare repository <name>.git on main. */
  async function push(name: string, files: Record<string, string>) {
    const work = await fs.mkdtemp(path.join(os.tmpdir(), 'provider-test-'));
    try {
      await git(['init', '-q', '-b', 'main', work]);
      for (const [file, text] of Object.entries(files)) {
        await fs.mkdir(path.dirname(path.join(work, file)), {
          recursive: true,
        });
        await fs.writeFile(path.join(work, file), text);
      }
      await git(['add', '-A'], { cwd: work });
      await git(['commit', '-q', '-m', 'test'], { cwd: work });
      const bare = path.join(repos.path, `${name}.git`);
      await git(['init', '-q', '--bare', '-b', 'main', bare]);
      await git(['push', '-q', bare, 'HEAD:refs/heads/main'], { cwd: work });
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  }

  const component = (name: string, kind = 'Component') =>
    `apiVersion: backstage.io/v1alpha1\nkind: ${kind}\nmetadata:\n  name: ${name}\n  annotations:\n    kargo/project: ${name}\nspec:\n  type: service\n  lifecycle: experimental\n  owner: group:default/guests\n`;

  it("provides the component named after each repository, from its branch's catalog-info.yaml, and nothing else", async () => {
    repos.clear();
    await push('shop', { 'catalog-info.yaml': component('shop') });
    await push('cart', {
      'catalog-info.yaml': `${component('payments')}---\n${component(
        'cart',
        'Group',
      )}`,
    });
    await push('empty', { 'README.md': 'no catalog-info.yaml' });
    await git(['init', '-q', '--bare', path.join(repos.path, 'new.git')]);

    const applyMutation = jest.fn();
    const provider = new DemoGitRepositoriesEntityProvider({
      settings: { directory: repos.path, branch: 'main', refreshSeconds: 1 },
      logger: mockServices.logger.mock(),
      taskRunner: { run: async () => {} },
    });
    await provider.connect({
      applyMutation,
      refresh: jest.fn(),
    } as EntityProviderConnection);
    const entities = await provider.refresh();

    expect(entities.map(e => `${e.kind}:${e.metadata.name}`)).toEqual([
      'Component:shop',
    ]);
    const location = `url:file://${repos.path}/shop.git/-/main/catalog-info.yaml`;
    expect(entities[0].metadata.annotations).toEqual({
      'kargo/project': 'shop',
      'backstage.io/managed-by-location': location,
      'backstage.io/managed-by-origin-location': location,
    });
    expect(applyMutation).toHaveBeenCalledWith({
      type: 'full',
      entities: [
        {
          entity: entities[0],
          locationKey: `demo-git-repositories:${location}`,
        },
      ],
    });
  });
});
