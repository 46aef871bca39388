import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { PipelineStage } from '@kargo-portal/plugin-kargo-common';
import {
  guestbookPipeline,
  mockKargoApi,
  renderForEntity,
  testProject,
} from '../../__testUtils__';
import { AutoPromotionHolds } from './AutoPromotionHolds';

const held: PipelineStage = {
  ...guestbookPipeline().stages[0],
  autoPromotion: {
    enabled: true,
    holds: [
      {
        origin: 'guestbook',
        freight: 'a'.repeat(40),
        promotion: 'dev.01abc.aaaaaaa',
        actor: 'user:default/ops',
        rollback: false,
        since: '2026-01-01T00:00:00.000Z',
      },
    ],
  },
};

describe('AutoPromotionHolds', () => {
  it('shows each hold and resumes the stage, telling the card', async () => {
    const api = mockKargoApi({
      resumeAutoPromotion: jest.fn().mockResolvedValue({ enabled: true }),
    });
    const onResumed = jest.fn();
    renderForEntity(
      <AutoPromotionHolds
        project={testProject()}
        stage={held}
        onResumed={onResumed}
      />,
      { api },
    );
    expect(
      screen.getByText(
        'auto-promotion of guestbook held: user:default/ops promoted other freight',
      ),
    ).toBeInTheDocument();
    const resume = screen.getByRole('button', {
      name: 'Resume auto-promotion of dev',
    });
    await waitFor(() => expect(resume).toBeEnabled());
    await userEvent.click(resume);
    await waitFor(() => expect(onResumed).toHaveBeenCalled());
    expect(api.resumeAutoPromotion).toHaveBeenCalledWith(testProject(), 'dev');
  });

  it('shows a refusal inline', async () => {
    const api = mockKargoApi({
      resumeAutoPromotion: jest
        .fn()
        .mockRejectedValue(new Error('Stage "dev" is not auto-promoted')),
    });
    renderForEntity(
      <AutoPromotionHolds
        project={testProject()}
        stage={held}
        onResumed={jest.fn()}
      />,
      { api },
    );
    const resume = screen.getByRole('button', {
      name: 'Resume auto-promotion of dev',
    });
    await waitFor(() => expect(resume).toBeEnabled());
    await userEvent.click(resume);
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Resume refused',
    );
  });
});
