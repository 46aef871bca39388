import { parseManifests } from '@kargo-portal/plugin-kargo-common';
import { validateProjects } from './DefinitionCatalog';

const project = `
apiVersion: kargo.akuity.io/v1alpha1
kind: Project
metadata:
  name: shop
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata:
  name: app
  namespace: shop
spec:
  subscriptions:
    - git:
        repoURL: https://git.example/app.git
`;

function stage(name: string, sources: string, origin = 'app') {
  return `
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Stage
metadata:
  name: ${name}
  namespace: shop
spec:
  requestedFreight:
    - origin:
        kind: Warehouse
        name: ${origin}
      sources:
        ${sources}
`;
}

function problemsOf(text: string) {
  return validateProjects(
    parseManifests({ source: 'shop.yaml', text }),
    'shop.yaml',
  ).map(p => `${p.path}: ${p.message}`);
}

describe('validateProjects', () => {
  it('accepts a consistent project', () => {
    expect(
      problemsOf(
        project + stage('dev', 'direct: true') + stage('prod', 'stages: [dev]'),
      ),
    ).toEqual([]);
  });

  it.each([
    [
      'the same stage twice in one source',
      project + stage('dev', 'direct: true') + stage('dev', 'direct: true'),
      ['Stage dev: is defined twice'],
    ],
    [
      'the same warehouse twice in one source',
      project + project.split('---')[1].replace(/^/, '---'),
      ['Warehouse app: is defined twice'],
    ],
    [
      'an origin that is not a warehouse of the project',
      project + stage('dev', 'direct: true', 'images'),
      [
        'Stage dev: spec.requestedFreight[0].origin.name: Warehouse "images" is not defined in project "shop"',
      ],
    ],
    [
      'an upstream stage that does not exist',
      project + stage('prod', 'stages: [staging]'),
      [
        'Stage prod: spec.requestedFreight[0].sources.stages: Stage "staging" is not defined in project "shop"',
      ],
    ],
    [
      'a project without its Project document',
      project.split('---')[1] + stage('dev', 'direct: true'),
      [
        'project shop: has no Project document; add one (kind: Project, metadata.name: shop)',
      ],
    ],
  ])('reports %s', (_, text, expected) => {
    expect(problemsOf(text)).toEqual(expected);
  });

  it('reports a cycle of stages', () => {
    const problems = problemsOf(
      project + stage('a', 'stages: [b]') + stage('b', 'stages: [a]'),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^project shop: .*cycle/i);
  });
});
