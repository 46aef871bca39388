import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Apply an ApplicationSet with one Application per env/* directory of the GitOps repository (Kustomize), each updated by the Kargo stage of the same name',
    example: yaml.stringify({
      steps: [
        {
          action: 'argocd:applicationset:create',
          id: 'applicationset',
          name: 'Create the Argo CD ApplicationSet',
          input: {
            name: 'guestbook',
            cluster: 'production',
            kargoProject: 'guestbook',
            generator: {
              git: {
                repoURL: 'https://github.com/acme/guestbook-gitops.git',
                directories: [{ path: 'env/*' }],
              },
            },
            application: {
              destination: { namespace: 'guestbook-{{path.basename}}' },
              syncPolicy: { createNamespace: true },
            },
          },
        },
      ],
    }),
  },
  {
    description:
      'Write an ApplicationSet with a list generator and Helm value files per stage into the workspace',
    example: yaml.stringify({
      steps: [
        {
          action: 'argocd:applicationset:create',
          id: 'applicationset',
          name: 'Write the Argo CD ApplicationSet',
          input: {
            name: 'payments',
            target: 'workspace',
            targetPath: 'argocd/payments.yaml',
            kargoProject: 'payments',
            generator: {
              list: {
                elements: [{ stage: 'test' }, { stage: 'live' }],
              },
            },
            application: {
              source: {
                repoURL: 'https://github.com/acme/payments-gitops.git',
                targetRevision: 'main',
                path: 'chart',
                helm: { valueFiles: ['values-{{stage}}.yaml'] },
              },
              destination: { namespace: 'payments-{{stage}}' },
              syncPolicy: { automated: { prune: true, selfHeal: true } },
            },
          },
        },
      ],
    }),
  },
];
