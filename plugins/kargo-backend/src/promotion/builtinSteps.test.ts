import { createMockDirectory } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { PromotionStepRunner } from '@kargo-portal/plugin-kargo-node';
import { createStepContext } from '../__testUtils__/stepContext';
import { evaluateExpression } from '../expressions';
import { GitClient } from '../git/GitClient';
import { builtinPromotionSteps } from './builtinSteps';

describe('builtinPromotionSteps', () => {
  let git: GitClient;
  let steps: PromotionStepRunner[];
  const mockDir = createMockDirectory();

  beforeAll(async () => {
    git = await GitClient.create();
    steps = builtinPromotionSteps({
      config: new ConfigReader({}),
      git,
      evaluateExpression,
    });
  });

  afterAll(() => git.close());

  it('registers every step under its Kargo name, once', () => {
    expect(steps.map(step => step.name).sort()).toEqual([
      'argocd-update',
      'argocd-wait',
      'compose-output',
      'copy',
      'delete',
      'fail',
      'file-write',
      'git-clear',
      'git-clone',
      'git-commit',
      'git-merge-pr',
      'git-open-pr',
      'git-push',
      'git-tag',
      'git-wait-for-pr',
      'github-push',
      'helm-template',
      'helm-update-chart',
      'http',
      'http-download',
      'json-parse',
      'json-update',
      'kustomize-build',
      'kustomize-set-image',
      'oci-download',
      'oci-push',
      'set-freight-alias',
      'set-metadata',
      'tar',
      'toml-parse',
      'toml-update',
      'untar',
      'yaml-merge',
      'yaml-parse',
      'yaml-update',
    ]);
  });

  it('runs a promotion’s file steps one after the other in the same work directory', async () => {
    mockDir.setContent({
      src: {
        'values.yaml': 'image:\n  tag: v1 # set by Kargo\n',
        'qa.yaml': 'replicas: 2\n',
      },
    });
    const context = createStepContext({ workDir: mockDir.path });
    const byName = new Map(steps.map(step => [step.name, step]));
    const run = async (name: string, config: unknown) => {
      const step = byName.get(name)!;
      return step.run(context, step.parseConfig(config));
    };

    await run('copy', { inPath: 'src', outPath: 'out' });
    const update = await run('yaml-update', {
      path: 'out/values.yaml',
      updates: [{ key: 'image.tag', value: 'v2' }],
    });
    await run('yaml-merge', {
      inFiles: ['out/values.yaml', 'out/qa.yaml'],
      outFile: 'out/merged.yaml',
    });
    const parsed = await run('yaml-parse', {
      path: 'out/merged.yaml',
      outputs: [
        { name: 'tag', fromExpression: 'image.tag' },
        { name: 'replicas', fromExpression: 'replicas' },
      ],
    });
    await run('delete', { paths: ['out/qa.yaml'] });

    expect(update.output).toEqual({
      commitMessage: 'Updated out/values.yaml\n\n- image.tag: v2',
    });
    expect(parsed.output).toEqual({ tag: 'v2', replicas: 2 });
    expect(mockDir.content({ path: 'out' })).toEqual({
      'values.yaml': 'image:\n  tag: v2 # set by Kargo\n',
      'merged.yaml': 'image:\n  tag: v2 # set by Kargo\nreplicas: 2\n',
    });
    expect(mockDir.content({ path: 'src' })).toEqual({
      'values.yaml': 'image:\n  tag: v1 # set by Kargo\n',
      'qa.yaml': 'replicas: 2\n',
    });
  });
});
