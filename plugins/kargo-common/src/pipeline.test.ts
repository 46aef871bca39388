import { StageManifest } from './manifests/types';
import { orderStages } from './pipeline';

function stage(
  name: string,
  from: { direct?: boolean; stages?: string[] },
): StageManifest {
  return {
    apiVersion: 'kargo.akuity.io/v1alpha1',
    kind: 'Stage',
    metadata: { name, namespace: 'p' },
    spec: {
      requestedFreight: [
        { origin: { kind: 'Warehouse', name: 'w' }, sources: from },
      ],
    },
  };
}

describe('orderStages', () => {
  it.each([
    {
      title: 'a chain given in reverse',
      stages: [
        stage('prod', { stages: ['staging'] }),
        stage('staging', { stages: ['dev'] }),
        stage('dev', { direct: true }),
      ],
      order: ['dev', 'staging', 'prod'],
    },
    {
      title: 'a fan-out and fan-in',
      stages: [
        stage('prod', { stages: ['qa-eu', 'qa-us'] }),
        stage('qa-us', { stages: ['dev'] }),
        stage('qa-eu', { stages: ['dev'] }),
        stage('dev', { direct: true }),
      ],
      order: ['dev', 'qa-eu', 'qa-us', 'prod'],
    },
    {
      title: 'a stage whose longest path is longer than its shortest',
      stages: [
        stage('c', { stages: ['a', 'b'] }),
        stage('b', { stages: ['a'] }),
        stage('a', { direct: true }),
      ],
      order: ['a', 'b', 'c'],
    },
    {
      title: 'an upstream stage that does not exist',
      stages: [stage('b', { stages: ['ghost'] }), stage('a', { direct: true })],
      order: ['a', 'b'],
    },
  ])('orders $title', ({ stages, order }) => {
    expect(orderStages(stages).map(n => n.name)).toEqual(order);
  });

  it('reports depth, upstream and warehouses', () => {
    const [dev, prod] = orderStages([
      stage('prod', { stages: ['dev'] }),
      stage('dev', { direct: true }),
    ]);
    expect(dev).toEqual({
      name: 'dev',
      upstream: [],
      warehouses: ['w'],
      depth: 0,
    });
    expect(prod).toEqual({
      name: 'prod',
      upstream: ['dev'],
      warehouses: [],
      depth: 1,
    });
  });

  it('names the stages of a cycle', () => {
    expect(() =>
      orderStages([
        stage('a', { stages: ['b'] }),
        stage('b', { stages: ['a'] }),
      ]),
    ).toThrow('stages form a cycle: a -> b -> a');
  });
});
