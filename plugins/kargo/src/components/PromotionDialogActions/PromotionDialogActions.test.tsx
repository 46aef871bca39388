import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  Grants,
  freightRecord,
  guestbookPipeline,
  mockKargoApi,
  renderForEntity,
  testProject,
} from '../../__testUtils__';
import { PromotionDialogActions } from './PromotionDialogActions';

function renderActions(
  options: { chosen?: boolean; busy?: boolean; grants?: Grants } = {},
) {
  const onClose = jest.fn();
  const onSubmit = jest.fn();
  renderForEntity(
    <PromotionDialogActions
      project={testProject()}
      stage={guestbookPipeline().stages[1]}
      chosen={options.chosen === false ? undefined : freightRecord(2)}
      busy={options.busy ?? false}
      chooseReason="Choose a freight to promote."
      onClose={onClose}
      onSubmit={onSubmit}
    >
      Promote
    </PromotionDialogActions>,
    { api: mockKargoApi(), grants: options.grants },
  );
  return {
    onClose,
    onSubmit,
    button: screen.getByRole('button', { name: 'Promote' }),
  };
}

describe('PromotionDialogActions', () => {
  it('promotes the chosen freight, or cancels', async () => {
    const { onClose, onSubmit, button } = renderActions();
    await waitFor(() => expect(button).toBeEnabled());
    await userEvent.click(button);
    expect(onSubmit).toHaveBeenCalledTimes(1);
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it.each([
    [{ chosen: false }, 'Choose a freight to promote.'],
    [{ busy: true }, 'Requesting the promotion…'],
    [
      { grants: {} },
      'You are not allowed to promote to stage staging (permission kargo.stage.promote on <project>/staging).',
    ],
  ])('is disabled when %j: %s', async (options, reason) => {
    const { button } = renderActions(options);
    await waitFor(() =>
      expect(button.parentElement).toHaveAttribute(
        'title',
        reason.replace('<project>', testProject()),
      ),
    );
    expect(button).toBeDisabled();
  });
});
