import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Write the Kargo manifests of a dev -> staging -> prod pipeline fed by a container image',
    example: yaml.stringify({
      steps: [
        {
          action: 'kargo:project:create',
          id: 'kargo-project',
          name: 'Create the Kargo project',
          input: {
            project: 'guestbook',
            image: {
              repoURL: 'ghcr.io/acme/guestbook',
              constraint: '^1.0.0',
            },
          },
        },
      ],
    }),
  },
  {
    description:
      'Two stages fed by a Git repository, written to a chosen file of the workspace',
    example: yaml.stringify({
      steps: [
        {
          action: 'kargo:project:create',
          id: 'kargo-project',
          name: 'Create the Kargo project',
          input: {
            project: 'payments',
            stages: ['test', 'live'],
            git: { repoURL: 'https://github.com/acme/payments-config' },
            targetPath: 'deploy/kargo.yaml',
          },
        },
      ],
    }),
  },
];
