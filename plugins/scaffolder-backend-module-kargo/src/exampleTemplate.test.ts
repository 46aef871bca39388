import fs from 'node:fs/promises';
import path from 'node:path';
import yaml from 'yaml';
import { ConfigReader } from '@backstage/config';
import {
  createMockDirectory,
  mockServices,
} from '@backstage/backend-test-utils';
import { JsonObject, JsonValue } from '@backstage/types';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { parseManifests } from '@kargo-portal/plugin-kargo-common';
import { createTemplateRenderer, TemplateContext } from 'nunjitsu';
import { createArgoCdApplicationSetAction } from './actions/applicationSet/createApplicationSet';
import { createKargoProjectAction } from './actions/project/createProject';

const templateFile = path.resolve(
  __dirname,
  '../../../examples/template/template.yaml',
);

/** Renders `${{ }}` in every string of a step's input, as the scaffolder's workflow runner does. */
function render(value: JsonValue, context: TemplateContext): JsonValue {
  const renderer = createTemplateRenderer();
  return JSON.parse(JSON.stringify(value), (_key, item) =>
    typeof item === 'string' ? renderer.renderValue(item, context) : item,
  );
}

// The demo template (examples/template/template.yaml) runs its Kargo steps with these actions.
describe('the demo template', () => {
  const workspace = createMockDirectory();

  it('writes a valid Kargo project and ApplicationSet for the given parameters', async () => {
    const template = yaml.parse(await fs.readFile(templateFile, 'utf8'));
    const parameters = {
      project: 'shop',
      imageRepoURL: 'ghcr.io/acme/shop',
      gitopsRepoURL: 'https://github.com/acme/shop-gitops.git',
    };
    const actions = [
      createKargoProjectAction({
        auth: mockServices.auth(),
        discovery: mockServices.discovery(),
        config: new ConfigReader({}),
      }),
      createArgoCdApplicationSetAction({ config: new ConfigReader({}) }),
    ];
    for (const step of template.spec.steps) {
      const action = actions.find(a => a.id === step.action);
      if (!action) continue;
      const ctx = createMockActionContext({
        workspacePath: workspace.path,
        input: render(step.input, { parameters }) as JsonObject,
      });
      await action.handler(ctx as never);
    }

    const manifests = parseManifests({
      source: 'kargo/project.yaml',
      text: await fs.readFile(
        path.join(workspace.path, 'kargo/project.yaml'),
        'utf8',
      ),
    });
    const task = manifests.find(m => m.kind === 'PromotionTask');
    expect(task?.kind === 'PromotionTask' && task.spec.steps[0]).toEqual({
      uses: 'git-clone',
      config: {
        repoURL: '${{ vars.gitopsRepo }}',
        checkout: [{ branch: 'main', path: './out' }],
      },
    });
    expect(
      manifests.filter(m => m.kind === 'Stage').map(m => m.metadata.name),
    ).toEqual(['dev', 'staging', 'prod']);

    const applicationSet = yaml.parse(
      await fs.readFile(
        path.join(workspace.path, 'argocd/applicationset.yaml'),
        'utf8',
      ),
    );
    expect(applicationSet.spec.template).toMatchObject({
      metadata: {
        name: 'shop-{{stage}}',
        annotations: { 'kargo.akuity.io/authorized-stage': 'shop:{{stage}}' },
      },
      spec: {
        source: { path: 'env/{{stage}}' },
        destination: { namespace: 'shop-{{stage}}' },
      },
    });
  });
});
