import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  freight,
  freightRecord,
  guestbookPipeline,
  mockKargoApi,
  promotion,
  renderForEntity,
  responseError,
  testProject,
} from '../../__testUtils__';
import { PromoteDialog } from './PromoteDialog';

function staging() {
  return guestbookPipeline({ staging: { currentFreight: freightRecord(1) } })
    .stages[1];
}

function changesTable() {
  return screen.getByRole('table', { name: 'What changes' });
}

describe('PromoteDialog', () => {
  it('offers the eligible freight, shows what changes and promotes the choice', async () => {
    const created = promotion({ stage: 'staging', phase: 'Pending' });
    const api = mockKargoApi({
      listFreight: jest.fn().mockResolvedValue({
        items: [freight(3), freight(2), freight(1)],
      }),
      promote: jest.fn().mockResolvedValue(created),
    });
    const onPromoted = jest.fn();
    renderForEntity(
      <PromoteDialog
        open
        onClose={jest.fn()}
        onPromoted={onPromoted}
        project={testProject()}
        stage={staging()}
      />,
      { api },
    );
    const group = await screen.findByRole('radiogroup', {
      name: 'Eligible freight for staging',
    });
    expect(api.listFreight).toHaveBeenCalledWith(testProject(), {
      stage: 'staging',
      limit: 20,
      cursor: undefined,
    });
    // The newest freight the stage does not run is chosen first.
    expect(
      within(group).getByRole('radio', { name: /freight-3/ }),
    ).toBeChecked();
    expect(within(group).getByText(/current/)).toBeInTheDocument();
    const rows = within(changesTable()).getAllByRole('row');
    expect(rows[0]).toHaveTextContent(
      'ArtifactCurrent (freight-1)Chosen (freight-3)',
    );
    expect(rows[1]).toHaveTextContent('image ghcr.io/acme/appv1.1.0v1.3.0');
    expect(rows[2]).toHaveTextContent(
      'commit https://git.example/app1abcdef3abcdef',
    );

    await userEvent.click(
      within(group).getByRole('radio', { name: /freight-2/ }),
    );
    expect(within(changesTable()).getAllByRole('row')[1]).toHaveTextContent(
      'v1.1.0v1.2.0',
    );
    const button = screen.getByRole('button', { name: 'Promote' });
    await waitFor(() => expect(button).toBeEnabled());
    await userEvent.click(button);
    await waitFor(() => expect(onPromoted).toHaveBeenCalledWith(created));
    expect(api.promote).toHaveBeenCalledWith(
      testProject(),
      'staging',
      freight(2).id,
    );
  });

  it('shows the refusal of the backend in the dialog', async () => {
    const api = mockKargoApi({
      listFreight: jest.fn().mockResolvedValue({ items: [freight(3)] }),
      promote: jest
        .fn()
        .mockRejectedValue(
          await responseError(
            409,
            'ConflictError',
            'Freight "freight-3" is not available to stage "staging"',
          ),
        ),
    });
    const onPromoted = jest.fn();
    renderForEntity(
      <PromoteDialog
        open
        onClose={jest.fn()}
        onPromoted={onPromoted}
        project={testProject()}
        stage={staging()}
      />,
      { api },
    );
    const button = await screen.findByRole('button', { name: 'Promote' });
    await waitFor(() => expect(button).toBeEnabled());
    await userEvent.click(button);
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Promotion refused: Conflict (409): Freight "freight-3" is not available to stage "staging"',
    );
    expect(onPromoted).not.toHaveBeenCalled();
    expect(screen.getByRole('dialog')).toBeInTheDocument();
  });

  it('disables Promote for a user without the permission, with the reason', async () => {
    const api = mockKargoApi({
      listFreight: jest.fn().mockResolvedValue({ items: [freight(3)] }),
    });
    renderForEntity(
      <PromoteDialog
        open
        onClose={jest.fn()}
        onPromoted={jest.fn()}
        project={testProject()}
        stage={staging()}
      />,
      { api, grants: { 'kargo.stage.promote': ['dev'] } },
    );
    await screen.findByRole('radio', { name: /freight-3/ });
    const button = screen.getByRole('button', { name: 'Promote' });
    await waitFor(() =>
      expect(button.parentElement).toHaveAttribute(
        'title',
        `You are not allowed to promote to stage staging (permission kargo.stage.promote on ${testProject()}/staging).`,
      ),
    );
    expect(button).toBeDisabled();
  });

  it('says when no freight is eligible', async () => {
    const api = mockKargoApi({
      listFreight: jest.fn().mockResolvedValue({ items: [] }),
    });
    renderForEntity(
      <PromoteDialog
        open
        onClose={jest.fn()}
        onPromoted={jest.fn()}
        project={testProject()}
        stage={staging()}
      />,
      { api },
    );
    expect(await screen.findByRole('status')).toHaveTextContent(
      'No freight is eligible for staging yet. The stage takes freight verified in dev, or freight approved for it.',
    );
    expect(screen.getByRole('button', { name: 'Promote' })).toBeDisabled();
  });

  it('loads more eligible freight by cursor', async () => {
    const listFreight = jest
      .fn()
      .mockResolvedValueOnce({ items: [freight(9)], nextCursor: 'c1' })
      .mockResolvedValueOnce({ items: [freight(8)] });
    const api = mockKargoApi({ listFreight });
    renderForEntity(
      <PromoteDialog
        open
        onClose={jest.fn()}
        onPromoted={jest.fn()}
        project={testProject()}
        stage={staging()}
      />,
      { api },
    );
    await userEvent.click(
      await screen.findByRole('button', { name: 'Load more' }),
    );
    expect(
      await screen.findByRole('radio', { name: /freight-8/ }),
    ).toBeInTheDocument();
    expect(screen.getByRole('radio', { name: /freight-9/ })).toBeChecked();
    expect(listFreight).toHaveBeenLastCalledWith(testProject(), {
      stage: 'staging',
      limit: 20,
      cursor: 'c1',
    });
    expect(
      screen.queryByRole('button', { name: 'Load more' }),
    ).not.toBeInTheDocument();
  });

  it('promotes a freight chosen elsewhere without listing', async () => {
    const api = mockKargoApi({
      promote: jest.fn().mockResolvedValue(promotion()),
    });
    renderForEntity(
      <PromoteDialog
        open
        onClose={jest.fn()}
        onPromoted={jest.fn()}
        project={testProject()}
        stage={staging()}
        freight={freight(5)}
      />,
      { api },
    );
    expect(await screen.findByText('freight-5')).toBeInTheDocument();
    expect(within(changesTable()).getAllByRole('row')[1]).toHaveTextContent(
      'v1.1.0v1.5.0',
    );
    const button = screen.getByRole('button', { name: 'Promote' });
    await waitFor(() => expect(button).toBeEnabled());
    await userEvent.click(button);
    await waitFor(() =>
      expect(api.promote).toHaveBeenCalledWith(
        testProject(),
        'staging',
        freight(5).id,
      ),
    );
    expect(api.listFreight).not.toHaveBeenCalled();
  });
});
