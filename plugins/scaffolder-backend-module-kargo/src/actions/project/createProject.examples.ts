import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

const promoteTask = {
  name: 'promote',
  vars: [
    {
      name: 'gitopsRepo',
      value: 'https://github.com/acme/guestbook-gitops.git',
    },
    { name: 'argocdApp' },
  ],
  steps: [
    {
      uses: 'git-clone',
      config: {
        repoURL: '${{ vars.gitopsRepo }}',
        checkout: [{ branch: 'main', path: './out' }],
      },
    },
    {
      uses: 'kustomize-set-image',
      config: {
        path: './out/env/${{ ctx.stage }}',
        images: [{ image: 'ghcr.io/acme/guestbook' }],
      },
    },
    {
      uses: 'git-commit',
      config: {
        path: './out',
        message: 'promote ${{ ctx.targetFreight.alias }} to ${{ ctx.stage }}',
      },
    },
    { uses: 'git-push', config: { path: './out' } },
    {
      uses: 'argocd-update',
      config: { apps: [{ name: '${{ vars.argocdApp }}' }] },
    },
  ],
};

export const examples: TemplateExample[] = [
  {
    description:
      'Register a dev -> staging -> prod project with the Kargo backend on behalf of the user running the template: a warehouse on the service image, a PromotionTask ending in argocd-update, auto-promotion to dev',
    example: yaml.stringify({
      steps: [
        {
          action: 'kargo:project:create',
          id: 'kargo-project',
          name: 'Create the Kargo project',
          input: {
            project: 'guestbook',
            entityRef: 'component:default/guestbook',
            warehouses: [
              {
                name: 'guestbook',
                subscriptions: [
                  {
                    image: {
                      repoURL: 'ghcr.io/acme/guestbook',
                      constraint: '^1.0.0',
                    },
                  },
                ],
              },
            ],
            promotionTasks: [promoteTask],
            stages: ['dev', 'staging', 'prod'].map((stage, i, all) => ({
              name: stage,
              ...(i > 0 && { upstreamStages: [all[i - 1]] }),
              promotionTask: { name: 'promote' },
              argocdApp: { name: `guestbook-${stage}` },
              ...(stage === 'dev' && { autoPromotion: true }),
            })),
          },
        },
      ],
    }),
  },
  {
    description:
      'Only write the manifests of a two-stage project fed by a Git repository and a Helm chart into the workspace, to publish them',
    example: yaml.stringify({
      steps: [
        {
          action: 'kargo:project:create',
          id: 'kargo-project',
          name: 'Write the Kargo project',
          input: {
            project: 'payments',
            register: false,
            targetPath: 'kargo/project.yaml',
            warehouses: [
              {
                name: 'main',
                subscriptions: [
                  {
                    git: {
                      repoURL: 'https://github.com/acme/payments.git',
                      branch: 'main',
                    },
                  },
                  {
                    chart: {
                      repoURL: 'https://charts.example.com',
                      name: 'payments',
                      semverConstraint: '^2.0.0',
                    },
                  },
                ],
              },
            ],
            stages: [
              {
                name: 'test',
                promotionTask: {
                  name: 'promote',
                  kind: 'ClusterPromotionTask',
                },
              },
              {
                name: 'live',
                upstreamStages: ['test'],
                promotionTask: {
                  name: 'promote',
                  kind: 'ClusterPromotionTask',
                },
              },
            ],
          },
        },
      ],
    }),
  },
];
