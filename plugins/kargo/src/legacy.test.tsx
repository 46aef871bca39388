import { screen } from '@testing-library/react';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  entityWith,
  guestbookPipeline,
  mockKargoApi,
  testProject,
} from './__testUtils__';
import {
  EntityKargoContent,
  EntityKargoPipelineCard,
  kargoApiRef,
  kargoPlugin,
} from './legacy';

describe('legacy plugin', () => {
  it('is the kargo plugin', () => {
    expect(kargoPlugin.getId()).toBe('kargo');
  });

  it.each([
    ['EntityKargoPipelineCard', EntityKargoPipelineCard, 'Kargo pipeline'],
    ['EntityKargoContent', EntityKargoContent, 'Freight timeline'],
  ])('renders %s in a legacy app', async (_name, Component, title) => {
    const api = mockKargoApi({
      getPipeline: jest.fn().mockResolvedValue(guestbookPipeline()),
      listWarehouses: jest.fn().mockResolvedValue({ items: [] }),
      listFreight: jest.fn().mockResolvedValue({ items: [] }),
      getStageHistory: jest.fn().mockResolvedValue({ items: [] }),
      listPromotions: jest.fn().mockResolvedValue({ items: [] }),
    });
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [kargoApiRef, api],
          [permissionApiRef, { authorize: jest.fn().mockResolvedValue({}) }],
        ]}
      >
        <EntityProvider entity={entityWith({ 'kargo/project': testProject() })}>
          <Component />
        </EntityProvider>
      </TestApiProvider>,
    );
    expect(await screen.findByText(title)).toBeInTheDocument();
    expect(api.getPipeline).toHaveBeenCalledWith(testProject());
  });
});
