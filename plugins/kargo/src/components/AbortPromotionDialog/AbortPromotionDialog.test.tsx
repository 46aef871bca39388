import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  mockKargoApi,
  promotion,
  renderForEntity,
  responseError,
  testProject,
} from '../../__testUtils__';
import { AbortPromotionDialog } from './AbortPromotionDialog';

const running = () =>
  promotion({ id: 'p7', stage: 'staging', phase: 'Running' });

describe('AbortPromotionDialog', () => {
  it('aborts the promotion', async () => {
    const aborted = promotion({ id: 'p7', stage: 'staging', phase: 'Aborted' });
    const api = mockKargoApi({
      abortPromotion: jest.fn().mockResolvedValue(aborted),
    });
    const onAborted = jest.fn();
    renderForEntity(
      <AbortPromotionDialog
        open
        onClose={jest.fn()}
        onAborted={onAborted}
        promotion={running()}
        freightName="freight-2"
      />,
      { api },
    );
    expect(
      screen.getByText(/The promotion of freight-2 \(Running\) stops/),
    ).toBeInTheDocument();
    const button = screen.getByRole('button', { name: 'Abort promotion' });
    await waitFor(() => expect(button).toBeEnabled());
    await userEvent.click(button);
    await waitFor(() => expect(onAborted).toHaveBeenCalledWith(aborted));
    expect(api.abortPromotion).toHaveBeenCalledWith(testProject(), 'p7');
  });

  it('shows a conflict in the dialog', async () => {
    const api = mockKargoApi({
      abortPromotion: jest
        .fn()
        .mockRejectedValue(
          await responseError(
            409,
            'ConflictError',
            'Promotion "p7" is already Succeeded',
          ),
        ),
    });
    const onAborted = jest.fn();
    renderForEntity(
      <AbortPromotionDialog
        open
        onClose={jest.fn()}
        onAborted={onAborted}
        promotion={running()}
      />,
      { api },
    );
    const button = screen.getByRole('button', { name: 'Abort promotion' });
    await waitFor(() => expect(button).toBeEnabled());
    await userEvent.click(button);
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Abort refused: Conflict (409): Promotion "p7" is already Succeeded',
    );
    expect(onAborted).not.toHaveBeenCalled();
  });

  it('disables Abort for a user who may not abort in the stage', async () => {
    renderForEntity(
      <AbortPromotionDialog
        open
        onClose={jest.fn()}
        onAborted={jest.fn()}
        promotion={running()}
      />,
      { api: mockKargoApi(), grants: { 'kargo.promotion.abort': ['dev'] } },
    );
    const button = screen.getByRole('button', { name: 'Abort promotion' });
    await waitFor(() =>
      expect(button.parentElement).toHaveAttribute(
        'title',
        `You are not allowed to abort promotions of stage staging (permission kargo.promotion.abort on ${testProject()}/staging).`,
      ),
    );
    expect(button).toBeDisabled();
  });
});
