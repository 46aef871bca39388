import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Promotion } from '@kargo-portal/plugin-kargo-common';
import {
  Grants,
  MockKargoApi,
  freight,
  mockKargoApi,
  promotion,
  renderForEntity,
  testProject,
} from '../../__testUtils__';
import { PromotionDrawer } from './PromotionDrawer';

function renderDrawer(
  promotionId: string,
  options: {
    api: MockKargoApi;
    grants?: Grants;
    onClose?: () => void;
    onChanged?: () => void;
  },
) {
  renderForEntity(
    <PromotionDrawer
      project={testProject()}
      promotionId={promotionId}
      freightNames={new Map([[freight(2).id, 'freight-2']])}
      onClose={options.onClose ?? jest.fn()}
      onChanged={options.onChanged ?? jest.fn()}
    />,
    { api: options.api, grants: options.grants },
  );
}

const running = () =>
  promotion({
    id: 'p5',
    stage: 'staging',
    freight: freight(2).id,
    phase: 'Running',
    startedAt: '2026-01-01T00:10:05.000Z',
    finishedAt: undefined,
    steps: [{ alias: 'step-1', status: 'Running' }],
  });

describe('PromotionDrawer', () => {
  it('says when a promotion is a rollback, and who asked for it', async () => {
    const api = mockKargoApi({
      getPromotion: jest.fn().mockResolvedValue(
        promotion({
          id: 'p3',
          stage: 'staging',
          rollback: true,
          createdBy: 'system:kargo/auto-rollback',
        }),
      ),
    });
    renderDrawer('p3', { api });
    const drawer = await screen.findByRole('dialog', { name: 'Promotion p3' });
    await waitFor(() =>
      expect(drawer).toHaveTextContent(
        'Rollback to freight freight-2 · requested by system:kargo/auto-rollback',
      ),
    );
  });

  it("shows a promotion's steps with status, message, output and log", async () => {
    const detail: Promotion = promotion({
      id: 'p9',
      stage: 'staging',
      freight: freight(2).id,
      phase: 'Failed',
      message: 'step git-push failed',
      steps: [
        {
          alias: 'clone',
          uses: 'git-clone',
          status: 'Succeeded',
          output: { commit: 'abc123' },
          log: [
            { time: 't1', level: 'info', message: 'cloned' },
            { time: 't2', level: 'info', message: 'checked out main' },
          ],
        },
        {
          alias: 'push',
          uses: 'git-push',
          status: 'Failed',
          message: 'remote rejected',
          attempts: 3,
          log: [
            {
              time: '2026-01-01T00:00:01Z',
              level: 'error',
              message: 'rejected: non-fast-forward',
            },
          ],
        },
      ],
    });
    const api = mockKargoApi({
      getPromotion: jest.fn().mockResolvedValue(detail),
    });
    const onClose = jest.fn();
    renderDrawer('p9', { api, onClose });
    const drawer = await screen.findByRole('dialog', { name: 'Promotion p9' });
    expect(
      await within(drawer).findByText('step git-push failed'),
    ).toBeInTheDocument();
    expect(api.getPromotion).toHaveBeenCalledWith(testProject(), 'p9');
    expect(
      within(drawer).getByRole('heading', { name: 'Promotion to staging' }),
    ).toBeInTheDocument();
    expect(drawer).toHaveTextContent(
      'Freight freight-2 · requested by user:default/guest',
    );
    const clone = within(drawer).getByRole('region', {
      name: 'Step 1: clone',
    });
    expect(clone).toHaveTextContent('uses git-clone');
    expect(within(clone).getByLabelText('Output of clone')).toHaveTextContent(
      '"commit": "abc123"',
    );
    expect(within(clone).getByLabelText('Log of clone').textContent).toBe(
      't1 INFO cloned\nt2 INFO checked out main',
    );
    const push = within(drawer).getByRole('region', { name: 'Step 2: push' });
    expect(push).toHaveTextContent('Failed');
    expect(push).toHaveTextContent('after 3 attempts');
    expect(push).toHaveTextContent('remote rejected');
    expect(within(push).getByLabelText('Log of push').textContent).toBe(
      '2026-01-01T00:00:01Z ERROR rejected: non-fast-forward',
    );
    // A finished promotion cannot be aborted.
    expect(
      within(drawer).queryByRole('button', { name: 'Abort' }),
    ).not.toBeInTheDocument();
    await userEvent.click(
      within(drawer).getByRole('button', { name: 'Close' }),
    );
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('says when no step has run yet and who asked for an abort', async () => {
    const api = mockKargoApi({
      getPromotion: jest.fn().mockResolvedValue({
        ...running(),
        phase: 'Pending',
        startedAt: undefined,
        steps: [],
        abortRequestedBy: 'user:default/guest',
      }),
    });
    renderDrawer('p5', { api });
    const drawer = await screen.findByRole('dialog', { name: 'Promotion p5' });
    expect(
      await within(drawer).findByText('No steps have run yet.'),
    ).toBeInTheDocument();
    expect(
      within(drawer).getByText('Abort requested by user:default/guest.'),
    ).toBeInTheDocument();
  });

  it('shows why the promotion could not be loaded', async () => {
    const api = mockKargoApi({
      getPromotion: jest.fn().mockRejectedValue(new Error('gone')),
    });
    renderDrawer('p5', { api });
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Could not load the promotion: gone',
    );
  });

  it('aborts a running promotion', async () => {
    const api = mockKargoApi({
      getPromotion: jest
        .fn()
        .mockResolvedValueOnce(running())
        .mockResolvedValue({ ...running(), phase: 'Aborted' }),
      abortPromotion: jest
        .fn()
        .mockResolvedValue({ ...running(), phase: 'Aborted' }),
    });
    const onChanged = jest.fn();
    renderDrawer('p5', { api, onChanged });
    const drawer = await screen.findByRole('dialog', { name: 'Promotion p5' });
    const abort = await within(drawer).findByRole('button', { name: 'Abort' });
    await waitFor(() => expect(abort).toBeEnabled());
    await userEvent.click(abort);
    const confirm = await screen.findByRole('button', {
      name: 'Abort promotion',
    });
    expect(
      screen.getByText(/The promotion of freight-2 \(Running\) stops/),
    ).toBeInTheDocument();
    await waitFor(() => expect(confirm).toBeEnabled());
    await userEvent.click(confirm);
    await waitFor(() =>
      expect(api.abortPromotion).toHaveBeenCalledWith(testProject(), 'p5'),
    );
    expect(await within(drawer).findByText('Aborted')).toBeInTheDocument();
    expect(onChanged).toHaveBeenCalledTimes(1);
  });

  it('disables Abort for a user who may not abort in the stage', async () => {
    const api = mockKargoApi({
      getPromotion: jest.fn().mockResolvedValue(running()),
    });
    renderDrawer('p5', { api, grants: {} });
    const abort = await screen.findByRole('button', { name: 'Abort' });
    await waitFor(() =>
      expect(abort.parentElement).toHaveAttribute(
        'title',
        `You are not allowed to abort promotions of stage staging (permission kargo.promotion.abort on ${testProject()}/staging).`,
      ),
    );
    expect(abort).toBeDisabled();
  });
});
