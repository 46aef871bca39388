import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  Grants,
  MockKargoApi,
  allowAll,
  mockKargoApi,
  renderForEntity,
  responseError,
  stageVerification,
  testProject,
  verificationMeasurement,
} from '../../__testUtils__';
import { StageVerificationDetails } from './StageVerificationDetails';

function renderDetails(
  verification: ReturnType<typeof stageVerification>,
  options: { api?: MockKargoApi; grants?: Grants; onChanged?: () => void } = {},
) {
  return renderForEntity(
    <StageVerificationDetails
      project={testProject()}
      stage="staging"
      verification={verification}
      onChanged={options.onChanged ?? jest.fn()}
    />,
    { api: options.api ?? mockKargoApi(), grants: options.grants },
  );
}

/** Clicks a button once the user's permission for it is known. */
async function clickWhenAllowed(name: string) {
  const button = screen.getByRole('button', { name });
  await waitFor(() => expect(button).toBeEnabled());
  await userEvent.click(button);
}

const measurementRows = () =>
  within(
    screen.getByRole('table', {
      name: 'Measurements of the verification of staging',
    }),
  )
    .getAllByRole('row')
    .slice(1);

describe('StageVerificationDetails', () => {
  it('shows the phase, attempt, who re-verified, message and every measurement', async () => {
    renderDetails(
      stageVerification(
        'Failed',
        [
          verificationMeasurement({
            metric: 'error-rate',
            phase: 'Successful',
            value: '0.01',
          }),
          verificationMeasurement({
            metric: 'error-rate',
            phase: 'Failed',
            value: '0.4',
            message: 'result > 0.05',
            startedAt: '2026-01-01T00:12:30.000Z',
            finishedAt: '2026-01-01T00:12:31.000Z',
          }),
        ],
        {
          attempt: 2,
          actor: 'user:default/ops',
          message:
            'Metric "error-rate" assessed Failed due to failed (1) > failureLimit (0)',
          templates: ['AnalysisTemplate/error-rate'],
          runMetadata: {
            labels: { team: 'shop' },
            annotations: { 'example.com/ticket': 'OPS-1' },
          },
        },
      ),
    );
    const section = screen.getByRole('region', {
      name: 'Verification of staging',
    });
    expect(
      within(section).getByRole('img', { name: 'verification Failed' }),
    ).toBeInTheDocument();
    expect(section).toHaveTextContent(
      'Attempt 2 · re-verified by user:default/ops',
    );
    expect(section).toHaveTextContent('started');
    expect(section).toHaveTextContent('finished');
    expect(section).toHaveTextContent('Analysis: AnalysisTemplate/error-rate');
    expect(section).toHaveTextContent(
      'Run metadata: label team=shop, annotation example.com/ticket=OPS-1',
    );
    expect(section).toHaveTextContent(
      'Metric "error-rate" assessed Failed due to failed (1) > failureLimit (0)',
    );
    const rows = measurementRows();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent('error-rate');
    expect(
      within(rows[0]).getByRole('img', { name: 'Successful' }),
    ).toBeInTheDocument();
    expect(rows[0]).toHaveTextContent('0.01');
    expect(within(rows[1]).getByRole('img', { name: 'Failed' })).toBeVisible();
    expect(rows[1]).toHaveTextContent('0.4');
    expect(rows[1]).toHaveTextContent('result > 0.05');
    expect(
      within(rows[1]).getByText((_, el) => el?.tagName === 'TIME'),
    ).toHaveAttribute('datetime', '2026-01-01T00:12:31.000Z');
    // A finished verification can be re-verified, not aborted.
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Re-verify' })).toBeEnabled(),
    );
    expect(
      screen.queryByRole('button', { name: 'Abort verification' }),
    ).toBeNull();
  });

  it('says who started a first verification, and that nothing was measured yet', async () => {
    renderDetails(stageVerification('Pending', []));
    const section = screen.getByRole('region', {
      name: 'Verification of staging',
    });
    expect(section).toHaveTextContent('Attempt 1 · started by the stage');
    expect(section).not.toHaveTextContent('finished');
    expect(section).toHaveTextContent('No measurements yet.');
    expect(section).not.toHaveTextContent('Run metadata');
  });

  it('re-verifies through the API, then reloads', async () => {
    const reverifyStage = jest
      .fn()
      .mockResolvedValue(
        stageVerification('Pending', [], { id: 'v2', attempt: 2 }),
      );
    const onChanged = jest.fn();
    renderDetails(
      stageVerification('Successful', [verificationMeasurement()]),
      {
        api: mockKargoApi({ reverifyStage }),
        onChanged,
      },
    );
    await clickWhenAllowed('Re-verify');
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(1));
    expect(reverifyStage).toHaveBeenCalledWith(testProject(), 'staging');
  });

  it('offers Abort verification only while it runs, and aborts through the API', async () => {
    const abortStageVerification = jest.fn().mockResolvedValue(
      stageVerification('Aborted', [verificationMeasurement()], {
        abortedBy: 'user:default/guest',
      }),
    );
    const onChanged = jest.fn();
    renderDetails(stageVerification('Running', [verificationMeasurement()]), {
      api: mockKargoApi({ abortStageVerification }),
      onChanged,
    });
    expect(screen.queryByRole('button', { name: 'Re-verify' })).toBeNull();
    await clickWhenAllowed('Abort verification');
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(1));
    expect(abortStageVerification).toHaveBeenCalledWith(
      testProject(),
      'staging',
    );
  });

  it("shows the backend's refusal next to the button", async () => {
    const reverifyStage = jest
      .fn()
      .mockRejectedValue(
        await responseError(
          409,
          'ConflictError',
          'Stage "staging" is being verified',
        ),
      );
    const onChanged = jest.fn();
    renderDetails(stageVerification('Failed', []), {
      api: mockKargoApi({ reverifyStage }),
      onChanged,
    });
    await clickWhenAllowed('Re-verify');
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Re-verify refused: Conflict (409): Stage "staging" is being verified',
    );
    expect(onChanged).not.toHaveBeenCalled();
  });

  it('disables both actions for a user without kargo.stage.verify on the stage', async () => {
    const grants = { ...allowAll, 'kargo.stage.verify': ['dev'] };
    const { unmount } = await renderDetails(
      stageVerification('Successful', []),
      { grants },
    );
    const reverify = screen.getByRole('button', { name: 'Re-verify' });
    await waitFor(() =>
      expect(reverify.parentElement).toHaveAttribute(
        'title',
        `You are not allowed to re-verify stage staging (permission kargo.stage.verify on ${testProject()}/staging).`,
      ),
    );
    expect(reverify).toBeDisabled();
    unmount();
    await renderDetails(stageVerification('Running', []), { grants });
    const abort = screen.getByRole('button', { name: 'Abort verification' });
    await waitFor(() =>
      expect(abort.parentElement).toHaveAttribute(
        'title',
        `You are not allowed to abort the verification of stage staging (permission kargo.stage.verify on ${testProject()}/staging).`,
      ),
    );
    expect(abort).toBeDisabled();
  });
});
