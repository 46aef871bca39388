import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  freight,
  guestbookPipeline,
  mockKargoApi,
  promotion,
  renderForEntity,
  responseError,
  testProject,
} from '../../__testUtils__';
import { RollbackDialog } from './RollbackDialog';

const dev = () => guestbookPipeline().stages[0]; // runs freight-2

const getFreight = () =>
  jest.fn(async (_project: string, id: string) => freight(parseInt(id, 16)));

describe('RollbackDialog', () => {
  it('offers the freight the stage ran before and rolls back to the choice', async () => {
    const history = {
      items: [
        {
          freight: freight(2).id,
          promotedAt: '2026-01-03T00:00:00Z',
          // The stage also runs freight-3 of another origin: not something to roll back to.
          collection: {
            id: 'c',
            items: [
              { origin: { kind: 'Warehouse', name: 'a' }, name: freight(2).id },
              { origin: { kind: 'Warehouse', name: 'b' }, name: freight(3).id },
            ],
          },
        },
        { freight: freight(3).id, promotedAt: '2026-01-02T12:00:00Z' },
        { freight: freight(1).id, promotedAt: '2026-01-02T00:00:00Z' },
        { freight: freight(2).id, promotedAt: '2026-01-01T12:00:00Z' },
        { freight: freight(0).id, promotedAt: '2026-01-01T00:00:00Z' },
      ],
    };
    const api = mockKargoApi({
      getStageHistory: jest.fn().mockResolvedValue(history),
      getFreight: getFreight(),
      rollback: jest.fn().mockResolvedValue(promotion({ phase: 'Pending' })),
    });
    const onPromoted = jest.fn();
    renderForEntity(
      <RollbackDialog
        open
        onClose={jest.fn()}
        onPromoted={onPromoted}
        project={testProject()}
        stage={dev()}
      />,
      { api },
    );
    const group = await screen.findByRole('radiogroup', {
      name: 'Freight dev ran before',
    });
    // The current freight (freight-2) is left out, each earlier freight listed once, newest first.
    expect(
      within(group)
        .getAllByRole('radio')
        .map(r => r.closest('label')?.querySelector('strong')?.textContent),
    ).toEqual(['freight-1', 'freight-0']);
    expect(api.getStageHistory).toHaveBeenCalledWith(testProject(), 'dev', {
      limit: 10,
    });
    expect(api.getFreight).toHaveBeenCalledTimes(2);
    const button = screen.getByRole('button', { name: 'Roll back' });
    expect(button).toBeDisabled();

    await userEvent.click(
      within(group).getByRole('radio', { name: /freight-1/ }),
    );
    expect(
      within(screen.getByRole('table', { name: 'What changes' })).getAllByRole(
        'row',
      )[1],
    ).toHaveTextContent('v1.2.0v1.1.0');
    await waitFor(() => expect(button).toBeEnabled());
    await userEvent.click(button);
    await waitFor(() => expect(onPromoted).toHaveBeenCalled());
    expect(api.rollback).toHaveBeenCalledWith(
      testProject(),
      'dev',
      freight(1).id,
    );
  });

  it('says when there is nothing to roll back to', async () => {
    const api = mockKargoApi({
      getStageHistory: jest.fn().mockResolvedValue({
        items: [{ freight: freight(2).id, promotedAt: '2026-01-03T00:00:00Z' }],
      }),
    });
    renderForEntity(
      <RollbackDialog
        open
        onClose={jest.fn()}
        onPromoted={jest.fn()}
        project={testProject()}
        stage={dev()}
      />,
      { api },
    );
    expect(await screen.findByRole('status')).toHaveTextContent(
      'dev has run no other freight yet: there is nothing to roll back to.',
    );
  });

  it('shows a refusal of the backend in the dialog', async () => {
    const api = mockKargoApi({
      getStageHistory: jest.fn().mockResolvedValue({
        items: [{ freight: freight(1).id, promotedAt: '2026-01-02T00:00:00Z' }],
      }),
      getFreight: getFreight(),
      rollback: jest
        .fn()
        .mockRejectedValue(
          await responseError(
            403,
            'NotAllowedError',
            'kargo.stage.promote is denied on dev',
          ),
        ),
    });
    const onPromoted = jest.fn();
    renderForEntity(
      <RollbackDialog
        open
        onClose={jest.fn()}
        onPromoted={onPromoted}
        project={testProject()}
        stage={dev()}
      />,
      { api },
    );
    await userEvent.click(
      await screen.findByRole('radio', { name: /freight-1/ }),
    );
    const button = screen.getByRole('button', { name: 'Roll back' });
    await waitFor(() => expect(button).toBeEnabled());
    await userEvent.click(button);
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Rollback refused: Not allowed (403): kargo.stage.promote is denied on dev',
    );
    expect(onPromoted).not.toHaveBeenCalled();
  });

  it('disables Roll back for a user who may not promote to the stage', async () => {
    const api = mockKargoApi({
      getStageHistory: jest.fn().mockResolvedValue({
        items: [{ freight: freight(1).id, promotedAt: '2026-01-02T00:00:00Z' }],
      }),
      getFreight: getFreight(),
    });
    renderForEntity(
      <RollbackDialog
        open
        onClose={jest.fn()}
        onPromoted={jest.fn()}
        project={testProject()}
        stage={dev()}
      />,
      { api, grants: {} },
    );
    await userEvent.click(
      await screen.findByRole('radio', { name: /freight-1/ }),
    );
    const button = screen.getByRole('button', { name: 'Roll back' });
    await waitFor(() =>
      expect(button.parentElement).toHaveAttribute(
        'title',
        `You are not allowed to promote to stage dev (permission kargo.stage.promote on ${testProject()}/dev).`,
      ),
    );
    expect(button).toBeDisabled();
  });
});
