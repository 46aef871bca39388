import { screen } from '@testing-library/react';
import { Entity } from '@backstage/catalog-model';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { ResponseError } from '@backstage/errors';
import { KargoApi, Pipeline } from '@kargo-portal/plugin-kargo-common';
import { kargoApiRef } from '../../api';
import { KargoPipelineCard } from './KargoPipelineCard';

const entity = (annotations: Record<string, string> = {}): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'guestbook', annotations },
  spec: {},
});

const pipeline: Pipeline = {
  project: 'guestbook',
  warehouses: ['guestbook'],
  stages: [
    {
      name: 'dev',
      upstream: [],
      warehouses: ['guestbook'],
      depth: 0,
      color: 'green',
      eligibleFreightCount: 3,
      currentFreight: {
        id: 'f'.repeat(40),
        alias: 'tidy-otter',
        project: 'guestbook',
        origin: { kind: 'Warehouse', name: 'guestbook' },
        commits: [
          { repoURL: 'https://git.example/app', id: '0123456789abcdef' },
        ],
        images: [
          { repoURL: 'ghcr.io/acme/app', tag: 'v1.2.3', digest: 'sha256:00' },
        ],
        charts: [],
        createdAt: '2026-01-01T00:00:00.000Z',
      },
      lastPromotion: {
        id: 'p1',
        project: 'guestbook',
        stage: 'dev',
        freight: 'f'.repeat(40),
        phase: 'Succeeded',
        steps: [],
        createdAt: '2026-01-01T00:00:00.000Z',
      },
    },
    {
      name: 'staging',
      upstream: ['dev'],
      warehouses: [],
      depth: 1,
      eligibleFreightCount: 0,
    },
    {
      name: 'prod',
      upstream: ['staging'],
      warehouses: [],
      depth: 2,
      eligibleFreightCount: 0,
    },
  ],
};

function api(getPipeline: KargoApi['getPipeline']): Partial<KargoApi> {
  return { getPipeline };
}

async function render(e: Entity, kargoApi: Partial<KargoApi>) {
  await renderInTestApp(
    <TestApiProvider apis={[[kargoApiRef, kargoApi]]}>
      <EntityProvider entity={e}>
        <KargoPipelineCard />
      </EntityProvider>
    </TestApiProvider>,
  );
}

describe('KargoPipelineCard', () => {
  it('shows the stages in pipeline order', async () => {
    const getPipeline = jest.fn().mockResolvedValue(pipeline);
    await render(entity({ 'kargo/project': 'guestbook' }), api(getPipeline));

    const items = await screen.findAllByRole('listitem');
    expect(items.map(i => i.querySelector('h3')?.textContent)).toEqual([
      'dev',
      'staging',
      'prod',
    ]);
    expect(screen.getByText('from staging')).toBeInTheDocument();
    expect(
      screen.getByText('tidy-otter (v1.2.3, 0123456)'),
    ).toBeInTheDocument();
    expect(screen.getByText('last promotion Succeeded')).toBeInTheDocument();
    expect(screen.getByText('3 freight eligible')).toBeInTheDocument();
    expect(screen.getAllByText('no freight yet')).toHaveLength(2);
    expect(getPipeline).toHaveBeenCalledWith('guestbook');
  });

  it('explains the missing annotation without calling the backend', async () => {
    const getPipeline = jest.fn();
    await render(entity(), api(getPipeline));
    expect(await screen.findByText('No Kargo project')).toBeInTheDocument();
    expect(getPipeline).not.toHaveBeenCalled();
  });

  it('names an unknown project and the fix', async () => {
    const notFound = await ResponseError.fromResponse(
      new Response(
        JSON.stringify({ error: { name: 'NotFoundError', message: 'nope' } }),
        { status: 404, headers: { 'content-type': 'application/json' } },
      ),
    );
    await render(
      entity({ 'kargo/project': 'ghost' }),
      api(jest.fn().mockRejectedValue(notFound)),
    );
    expect(
      await screen.findByText('Kargo project "ghost" not found'),
    ).toBeInTheDocument();
  });

  it('shows other backend errors', async () => {
    await render(
      entity({ 'kargo/project': 'guestbook' }),
      api(jest.fn().mockRejectedValue(new Error('connection refused'))),
    );
    expect(
      await screen.findByText('Error: connection refused'),
    ).toBeInTheDocument();
  });
});
