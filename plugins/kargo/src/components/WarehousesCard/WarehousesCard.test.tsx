import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  Grants,
  MockKargoApi,
  freight,
  mockKargoApi,
  renderForEntity,
  responseError,
  testProject,
} from '../../__testUtils__';
import { WarehousesCard } from './WarehousesCard';

/** A Kargo API that lists the guestbook warehouse, discovered once, unless the test says otherwise. */
function cardApi(overrides: Partial<MockKargoApi> = {}): MockKargoApi {
  return mockKargoApi({
    listWarehouses: jest.fn().mockResolvedValue({
      items: [
        {
          project: testProject(),
          name: 'guestbook',
          lastDiscoveryAt: '2026-01-04T00:00:00Z',
        },
      ],
    }),
    ...overrides,
  });
}

function renderCard(options: {
  api: MockKargoApi;
  grants?: Grants;
  only?: string[];
  onFreightCreated?: () => void;
}) {
  renderForEntity(
    <WarehousesCard
      project={testProject()}
      only={options.only}
      refreshToken={0}
      onFreightCreated={options.onFreightCreated}
    />,
    { api: options.api, grants: options.grants },
  );
}

describe('WarehousesCard', () => {
  it('shows discovery results and errors with the fix', async () => {
    const api = cardApi({
      listWarehouses: jest.fn().mockResolvedValue({
        items: [
          {
            project: testProject(),
            name: 'guestbook',
            lastDiscoveryAt: '2026-01-04T00:00:00Z',
            discovered: {
              discoveredAt: '2026-01-04T00:00:00Z',
              images: [
                {
                  repoURL: 'ghcr.io/acme/app',
                  references: [
                    { tag: 'v1.3.0', digest: 'sha256:3' },
                    { tag: 'v1.2.0', digest: 'sha256:2' },
                  ],
                },
              ],
              commits: [
                {
                  repoURL: 'https://git.example/app',
                  commits: [{ id: 'deadbeefcafe' }],
                },
              ],
            },
          },
          {
            project: testProject(),
            name: 'charts',
            lastError: 'GET https://charts.example/index.yaml: 404',
          },
        ],
      }),
    });
    renderCard({ api });
    const guestbook = await screen.findByRole('region', {
      name: 'Warehouse guestbook',
    });
    expect(guestbook).toHaveTextContent('discovered');
    expect(guestbook).toHaveTextContent(
      'image ghcr.io/acme/app: v1.3.0, v1.2.0',
    );
    expect(guestbook).toHaveTextContent('git https://git.example/app: deadbee');
    const charts = screen.getByRole('region', { name: 'Warehouse charts' });
    expect(charts).toHaveTextContent('discovery failed');
    expect(within(charts).getByRole('alert')).toHaveTextContent(
      'GET https://charts.example/index.yaml: 404',
    );
    expect(within(charts).getByRole('alert')).toHaveTextContent(
      'Check the subscriptions of the Warehouse manifest',
    );
  });

  it('refreshes a warehouse and reloads its status', async () => {
    const listWarehouses = jest
      .fn()
      .mockResolvedValueOnce({
        items: [{ project: testProject(), name: 'guestbook' }],
      })
      .mockResolvedValue({
        items: [
          {
            project: testProject(),
            name: 'guestbook',
            refreshRequestedAt: new Date().toISOString(),
            refreshRequestedBy: 'user:default/guest',
          },
        ],
      });
    const api = cardApi({
      listWarehouses,
      refreshWarehouse: jest.fn().mockResolvedValue({
        project: testProject(),
        name: 'guestbook',
      }),
    });
    renderCard({ api });
    const region = await screen.findByRole('region', {
      name: 'Warehouse guestbook',
    });
    expect(region).toHaveTextContent('not discovered yet');
    const refresh = within(region).getByRole('button', {
      name: 'Refresh warehouse guestbook',
    });
    await waitFor(() => expect(refresh).toBeEnabled());
    await userEvent.click(refresh);
    expect(api.refreshWarehouse).toHaveBeenCalledWith(
      testProject(),
      'guestbook',
    );
    await waitFor(() =>
      expect(region).toHaveTextContent(
        /Waiting for the discovery requested .* by user:default\/guest/,
      ),
    );
  });

  it('shows a refused refresh inline and disables it for denied users', async () => {
    const api = cardApi({
      refreshWarehouse: jest
        .fn()
        .mockRejectedValue(
          await responseError(403, 'NotAllowedError', 'not allowed'),
        ),
    });
    renderCard({ api });
    const region = await screen.findByRole('region', {
      name: 'Warehouse guestbook',
    });
    const refresh = within(region).getByRole('button', {
      name: 'Refresh warehouse guestbook',
    });
    await waitFor(() => expect(refresh).toBeEnabled());
    await userEvent.click(refresh);
    expect(await within(region).findByRole('alert')).toHaveTextContent(
      'Refresh refused: Not allowed (403): not allowed',
    );
  });

  it('disables Refresh for a user without the project permission', async () => {
    renderCard({ api: cardApi(), grants: {} });
    const region = await screen.findByRole('region', {
      name: 'Warehouse guestbook',
    });
    const refresh = within(region).getByRole('button', {
      name: 'Refresh warehouse guestbook',
    });
    await waitFor(() =>
      expect(refresh.parentElement).toHaveAttribute(
        'title',
        `You are not allowed to refresh warehouses of project ${testProject()} (permission kargo.warehouse.refresh on ${testProject()}).`,
      ),
    );
    expect(refresh).toBeDisabled();
  });
});

describe('WarehousesCard: create freight', () => {
  const discoveredWarehouse = () => ({
    project: testProject(),
    name: 'guestbook',
    freightCreationPolicy: 'Manual' as const,
    lastDiscoveryAt: '2026-01-04T00:00:00Z',
    discovered: {
      discoveredAt: '2026-01-04T00:00:00Z',
      images: [
        {
          repoURL: 'ghcr.io/acme/app',
          references: [
            { tag: 'v1.5.0', digest: 'sha256:5' },
            { tag: 'v1.4.0', digest: 'sha256:4' },
          ],
        },
      ],
    },
  });

  it('creates freight from the chosen revision and says so', async () => {
    const api = cardApi({
      listWarehouses: jest
        .fn()
        .mockResolvedValue({ items: [discoveredWarehouse()] }),
      createFreight: jest.fn().mockResolvedValue(freight(9)),
    });
    const onFreightCreated = jest.fn();
    renderCard({ api, onFreightCreated });
    const region = await screen.findByRole('region', {
      name: 'Warehouse guestbook',
    });
    const open = within(region).getByRole('button', {
      name: 'Create freight from warehouse guestbook',
    });
    expect(open).toHaveTextContent('Create freight');
    await waitFor(() => expect(open).toBeEnabled());
    await userEvent.click(open);
    const dialog = await screen.findByRole('dialog', {
      name: 'Create freight from guestbook',
    });
    await userEvent.selectOptions(
      within(dialog).getByRole('combobox', {
        name: 'Image ghcr.io/acme/app',
      }),
      'v1.4.0',
    );
    const create = within(dialog).getByRole('button', { name: 'Create' });
    await waitFor(() => expect(create).toBeEnabled());
    await userEvent.click(create);
    await waitFor(() =>
      expect(
        screen.queryByRole('dialog', {
          name: 'Create freight from guestbook',
        }),
      ).not.toBeInTheDocument(),
    );
    expect(
      await screen.findByText('Freight freight-9 created from guestbook'),
    ).toBeInTheDocument();
    expect(api.createFreight).toHaveBeenCalledTimes(1);
    expect(api.createFreight).toHaveBeenCalledWith(testProject(), 'guestbook', {
      images: [{ repoURL: 'ghcr.io/acme/app', tag: 'v1.4.0' }],
    });
    expect(onFreightCreated).toHaveBeenCalledTimes(1);
  });

  it('reloads its warehouses after creating freight when nobody else does', async () => {
    const api = cardApi({
      listWarehouses: jest
        .fn()
        .mockResolvedValue({ items: [discoveredWarehouse()] }),
      createFreight: jest.fn().mockResolvedValue(freight(9)),
    });
    renderCard({ api });
    const open = await screen.findByRole('button', {
      name: 'Create freight from warehouse guestbook',
    });
    await waitFor(() => expect(open).toBeEnabled());
    await userEvent.click(open);
    const create = within(
      await screen.findByRole('dialog', {
        name: 'Create freight from guestbook',
      }),
    ).getByRole('button', { name: 'Create' });
    await waitFor(() => expect(create).toBeEnabled());
    await userEvent.click(create);
    await waitFor(() => expect(api.listWarehouses).toHaveBeenCalledTimes(2));
  });

  it('disables Create freight for a user who may not update the project', async () => {
    const api = cardApi({
      listWarehouses: jest
        .fn()
        .mockResolvedValue({ items: [discoveredWarehouse()] }),
    });
    renderCard({
      api,
      grants: { 'kargo.warehouse.refresh': ['*'] },
    });
    const region = await screen.findByRole('region', {
      name: 'Warehouse guestbook',
    });
    const open = within(region).getByRole('button', {
      name: 'Create freight from warehouse guestbook',
    });
    await waitFor(() =>
      expect(open.parentElement).toHaveAttribute(
        'title',
        `You are not allowed to create freight in project ${testProject()} (permission kargo.project.update on ${testProject()}).`,
      ),
    );
    expect(open).toBeDisabled();
    expect(
      within(region).getByRole('button', {
        name: 'Refresh warehouse guestbook',
      }),
    ).toBeEnabled();
  });

  it('offers no Create freight for a warehouse that discovered nothing', async () => {
    const api = cardApi({
      listWarehouses: jest.fn().mockResolvedValue({
        items: [
          { project: testProject(), name: 'guestbook' },
          {
            ...discoveredWarehouse(),
            name: 'empty',
            discovered: {
              discoveredAt: '2026-01-04T00:00:00Z',
              images: [{ repoURL: 'ghcr.io/acme/app', references: [] }],
            },
          },
          { ...discoveredWarehouse(), name: 'full' },
        ],
      }),
    });
    renderCard({ api });
    await screen.findByRole('region', { name: 'Warehouse guestbook' });
    expect(
      screen.getByRole('button', {
        name: 'Create freight from warehouse full',
      }),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('button', {
        name: 'Create freight from warehouse guestbook',
      }),
    ).not.toBeInTheDocument();
    expect(
      screen.queryByRole('button', {
        name: 'Create freight from warehouse empty',
      }),
    ).not.toBeInTheDocument();
  });
});

describe('WarehousesCard: which warehouses', () => {
  const two = () =>
    jest.fn().mockResolvedValue({
      items: [
        { project: testProject(), name: 'guestbook', interval: '5m0s' },
        { project: testProject(), name: 'charts' },
      ],
    });

  it('shows only the warehouses the entity names', async () => {
    renderCard({ api: cardApi({ listWarehouses: two() }), only: ['charts'] });
    expect(
      await screen.findByRole('region', { name: 'Warehouse charts' }),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('region', { name: 'Warehouse guestbook' }),
    ).not.toBeInTheDocument();
  });

  it('shows the poll interval and a manual freight creation policy', async () => {
    renderCard({
      api: cardApi({
        listWarehouses: jest.fn().mockResolvedValue({
          items: [
            {
              project: testProject(),
              name: 'guestbook',
              interval: '5m0s',
              freightCreationPolicy: 'Manual',
            },
          ],
        }),
      }),
    });
    expect(
      await screen.findByRole('region', { name: 'Warehouse guestbook' }),
    ).toHaveTextContent(
      'polls every 5m0s · freight is created by hand from what it discovers',
    );
  });

  it('says when the named warehouses do not exist', async () => {
    renderCard({ api: cardApi({ listWarehouses: two() }), only: ['payments'] });
    expect(await screen.findByText('No warehouses')).toBeInTheDocument();
    expect(
      screen.getByText(
        `Kargo project "${testProject()}" has no warehouse named payments (the kargo/warehouses annotation).`,
      ),
    ).toBeInTheDocument();
  });

  it('shows why the warehouses could not be loaded', async () => {
    renderCard({
      api: cardApi({
        listWarehouses: jest
          .fn()
          .mockRejectedValue(
            await responseError(403, 'NotAllowedError', 'no read'),
          ),
      }),
    });
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Could not load the warehouses: Not allowed (403): no read',
    );
  });
});
