import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { WarehouseStatus } from '@kargo-portal/plugin-kargo-common';
import {
  freight,
  mockKargoApi,
  renderForEntity,
  responseError,
  testProject,
} from '../../__testUtils__';
import { CreateFreightDialog } from './CreateFreightDialog';

function manualWarehouse(): WarehouseStatus {
  return {
    project: testProject(),
    name: 'guestbook',
    freightCreationPolicy: 'Manual',
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
          commits: [
            { id: 'cafe0123456789', subject: 'Fix the header' },
            { id: 'beef0123456789', subject: 'Add a footer', tag: 'v0.9' },
          ],
        },
      ],
      charts: [
        {
          repoURL: 'https://charts.example',
          name: 'app',
          versions: ['2.0.0', '1.9.0'],
        },
      ],
    },
  };
}

function renderDialog(
  api: ReturnType<typeof mockKargoApi>,
  warehouse: WarehouseStatus = manualWarehouse(),
  grants?: Record<string, string[]>,
) {
  const onCreated = jest.fn();
  renderForEntity(
    <CreateFreightDialog
      open
      onClose={jest.fn()}
      onCreated={onCreated}
      project={testProject()}
      warehouse={warehouse}
    />,
    { api, grants },
  );
  return onCreated;
}

describe('CreateFreightDialog', () => {
  it('preselects the newest revisions and creates the chosen selection', async () => {
    const created = freight(7);
    const api = mockKargoApi({
      createFreight: jest.fn().mockResolvedValue(created),
    });
    const onCreated = renderDialog(api);
    const image = await screen.findByRole('combobox', {
      name: 'Image ghcr.io/acme/app',
    });
    const git = screen.getByRole('combobox', {
      name: 'Git https://git.example/app',
    });
    const chart = screen.getByRole('combobox', {
      name: 'Chart https://charts.example app',
    });
    expect(image).toHaveDisplayValue('v1.3.0');
    expect(git).toHaveDisplayValue('cafe012 Fix the header');
    expect(chart).toHaveDisplayValue('2.0.0');
    expect(
      screen.getByRole('option', { name: 'v0.9 (beef012) Add a footer' }),
    ).toBeInTheDocument();

    await userEvent.selectOptions(git, 'v0.9 (beef012) Add a footer');
    await userEvent.selectOptions(chart, '1.9.0');
    const create = screen.getByRole('button', { name: 'Create' });
    await waitFor(() => expect(create).toBeEnabled());
    await userEvent.click(create);
    await waitFor(() => expect(onCreated).toHaveBeenCalledWith(created));
    expect(api.createFreight).toHaveBeenCalledTimes(1);
    expect(api.createFreight).toHaveBeenCalledWith(testProject(), 'guestbook', {
      images: [{ repoURL: 'ghcr.io/acme/app', tag: 'v1.3.0' }],
      commits: [{ repoURL: 'https://git.example/app', id: 'beef0123456789' }],
      charts: [
        { repoURL: 'https://charts.example', name: 'app', version: '1.9.0' },
      ],
    });
  });

  it('shows a refusal of the backend in the dialog', async () => {
    const api = mockKargoApi({
      createFreight: jest
        .fn()
        .mockRejectedValue(
          await responseError(
            400,
            'InputError',
            'images[0].tag: "v1.3.0" was not discovered by the warehouse',
          ),
        ),
    });
    const onCreated = renderDialog(api);
    const create = await screen.findByRole('button', { name: 'Create' });
    await waitFor(() => expect(create).toBeEnabled());
    await userEvent.click(create);
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Freight creation refused: The request was refused (400): images[0].tag: "v1.3.0" was not discovered by the warehouse',
    );
    expect(onCreated).not.toHaveBeenCalled();
  });

  it('disables Create when a subscription discovered nothing', async () => {
    const warehouse = manualWarehouse();
    warehouse.discovered!.charts![0].versions = [];
    renderDialog(mockKargoApi(), warehouse);
    const create = await screen.findByRole('button', { name: 'Create' });
    await waitFor(() =>
      expect(create.parentElement).toHaveAttribute(
        'title',
        'Nothing to choose for Chart https://charts.example app: refresh the warehouse or check its subscriptions.',
      ),
    );
    expect(create).toBeDisabled();
  });

  it('disables Create for a user who may not update the project', async () => {
    renderDialog(mockKargoApi(), manualWarehouse(), {
      'kargo.warehouse.refresh': ['*'],
    });
    const create = await screen.findByRole('button', { name: 'Create' });
    await waitFor(() =>
      expect(create.parentElement).toHaveAttribute(
        'title',
        `You are not allowed to create freight in project ${testProject()} (permission kargo.project.update on ${testProject()}).`,
      ),
    );
    expect(create).toBeDisabled();
  });
});
