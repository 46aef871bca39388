import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  KargoApiSchema,
  PipelineStage,
} from '@kargo-portal/plugin-kargo-common';
import {
  Grants,
  MockKargoApi,
  applicationHealth,
  freight,
  freightRecord,
  guestbookPipeline,
  mockKargoApi,
  promotion,
  renderForEntity,
  responseError,
  stageHealth,
  stageVerification,
  testProject,
  verificationMeasurement,
} from '../../__testUtils__';
import { StageNode } from './StageNode';

/** The stages as the card lays them out (one list), each a StageNode. */
function renderStages(
  stages: PipelineStage[],
  options: { api?: MockKargoApi; grants?: Grants; onChanged?: () => void } = {},
) {
  renderForEntity(
    <div role="list">
      {stages.map(stage => (
        <StageNode
          key={stage.name}
          project={testProject()}
          stage={stage}
          origins={['guestbook']}
          onChanged={options.onChanged ?? jest.fn()}
        />
      ))}
    </div>,
    { api: options.api ?? mockKargoApi(), grants: options.grants },
  );
}

const stageItem = (name: string) => screen.getByRole('listitem', { name });

describe('StageNode', () => {
  it('shows where the stage takes freight from, its freight, last promotion and eligible freight', async () => {
    renderStages(guestbookPipeline().stages);
    const dev = stageItem('dev');
    expect(within(dev).getByRole('heading')).toHaveTextContent('dev');
    expect(dev).toHaveTextContent('from guestbook');
    expect(dev).toHaveTextContent('freight-2 (v1.2.0, 2abcdef)');
    expect(
      within(dev).getByRole('img', { name: 'promotion Succeeded' }),
    ).toHaveTextContent('promotion Succeeded');
    expect(dev).toHaveTextContent('3 freight eligible');
    expect(stageItem('staging')).toHaveTextContent('from dev');
    expect(stageItem('prod')).toHaveTextContent('no freight yet');
  });

  it('marks a stage that auto-promotes, and the holds on it', async () => {
    const { stages } = guestbookPipeline({
      dev: {
        autoPromotion: {
          enabled: true,
          holds: [
            {
              origin: 'guestbook',
              freight: 'a'.repeat(40),
              promotion: 'dev.01abc.aaaaaaa',
              actor: 'user:default/ops',
              rollback: true,
              since: '2026-01-01T00:00:00.000Z',
            },
          ],
        },
      },
    });
    renderStages(stages);
    const dev = stageItem('dev');
    expect(
      within(dev).getByTitle(/auto-promotes this stage/),
    ).toHaveTextContent('auto');
    expect(dev).toHaveTextContent(
      'auto-promotion of guestbook held: user:default/ops rolled back',
    );
    expect(within(stageItem('prod')).queryByText('auto')).toBeNull();
  });

  it('shows a stage closed by a promotion window, with its next opening, on the card and in its drawer', async () => {
    const nextOpen = new Date(Date.now() + 3.5 * 3600_000).toISOString();
    const { stages } = guestbookPipeline({
      prod: {
        promotionWindow: {
          reason: 'promotion window "freeze" (Deny) is active',
          nextOpen,
        },
      },
    });
    renderStages(stages);
    const prod = stageItem('prod');
    expect(prod).toHaveTextContent('promotions closed · opens in 3 hours');
    expect(
      within(prod).getByTitle(
        'Promotions to prod are closed: promotion window "freeze" (Deny) is active',
      ),
    ).toBeInTheDocument();
    expect(stageItem('dev')).not.toHaveTextContent('promotions closed');
    await userEvent.click(
      within(prod).getByRole('button', { name: 'Details of prod' }),
    );
    const drawer = await screen.findByRole('dialog', { name: 'Stage prod' });
    expect(drawer).toHaveTextContent(
      'Promotions to prod are closed: promotion window "freeze" (Deny) is active. They open in 3 hours',
    );
    expect(drawer).toHaveTextContent('Not verified yet');
  });

  it("shows the holds with Resume, and the stage's verification, in its drawer", async () => {
    const resumeAutoPromotion = jest.fn().mockResolvedValue({ enabled: true });
    const onChanged = jest.fn();
    const { stages } = guestbookPipeline({
      staging: {
        autoPromotion: {
          enabled: true,
          holds: [
            {
              origin: 'guestbook',
              freight: 'a'.repeat(40),
              promotion: 'staging.01abc.aaaaaaa',
              actor: 'user:default/ops',
              rollback: false,
              since: '2026-01-01T00:00:00.000Z',
            },
          ],
        },
        verification: stageVerification(
          'Failed',
          [verificationMeasurement({ phase: 'Failed', value: '500' })],
          { message: 'Metric "web-check" assessed Failed' },
        ),
      },
    });
    renderStages(stages, {
      api: mockKargoApi({ resumeAutoPromotion }),
      onChanged,
    });
    await userEvent.click(
      within(stageItem('staging')).getByRole('button', {
        name: 'Verification of staging: Failed, details',
      }),
    );
    const drawer = await screen.findByRole('dialog', { name: 'Stage staging' });
    const auto = within(drawer).getByRole('region', {
      name: 'Auto-promotion of staging',
    });
    expect(auto).toHaveTextContent(
      'auto-promotion of guestbook held: user:default/ops promoted other freight',
    );
    expect(
      within(drawer).getByRole('region', { name: 'Verification of staging' }),
    ).toHaveTextContent('Metric "web-check" assessed Failed');
    const resume = within(auto).getByRole('button', {
      name: 'Resume auto-promotion of staging',
    });
    await waitFor(() => expect(resume).toBeEnabled());
    await userEvent.click(resume);
    await waitFor(() => expect(onChanged).toHaveBeenCalled());
    expect(resumeAutoPromotion).toHaveBeenCalledWith(testProject(), 'staging');
  });

  it('marks a last promotion that was a rollback', async () => {
    const { stages } = guestbookPipeline({
      dev: {
        lastPromotion: promotion({
          rollback: true,
          createdBy: 'system:kargo/auto-rollback',
        }),
      },
    });
    renderStages(stages);
    expect(stageItem('dev')).toHaveTextContent('promotion Succeededrollback');
    expect(stageItem('staging')).not.toHaveTextContent('rollback');
  });

  it('says when the verification shown is of freight the stage no longer runs', async () => {
    // A freight history entry as the API serves it (generated response type).
    const entry = (
      n: number,
      collection: string,
    ): KargoApiSchema.StageHistoryEntry => ({
      freight: freightRecord(n).id,
      promotion: `staging.0${n}.x`,
      promotedAt: `2026-01-01T00:0${n}:00.000Z`,
      collection: {
        id: collection,
        items: [
          {
            origin: { kind: 'Warehouse', name: 'guestbook' },
            name: freightRecord(n).id,
          },
        ],
      },
    });
    const { stages } = guestbookPipeline({
      staging: {
        currentFreight: freightRecord(1),
        // Rolled back to freight-1 after freight-2 failed its verification.
        freightHistory: [entry(1, 'a'.repeat(40)), entry(2, 'b'.repeat(40))],
        verification: stageVerification('Failed', [], {
          collection: 'b'.repeat(40),
          freight: [freightRecord(2).id],
        }),
      },
      dev: {
        freightHistory: [entry(2, 'b'.repeat(40))],
        verification: stageVerification('Successful', [], {
          collection: 'b'.repeat(40),
        }),
      },
    });
    renderStages(stages);
    expect(stageItem('staging')).toHaveTextContent(
      'verification Failedof earlier freight',
    );
    expect(stageItem('dev')).not.toHaveTextContent('earlier');
    await userEvent.click(
      within(stageItem('staging')).getByRole('button', {
        name: 'Details of staging',
      }),
    );
    const drawer = await screen.findByRole('dialog', { name: 'Stage staging' });
    expect(drawer).toHaveTextContent(
      `Of freight ${freightRecord(2).id.slice(
        0,
        7,
      )}, which the stage no longer runs.`,
    );
  });

  it('marks a capped eligible count with a plus', async () => {
    const [dev] = guestbookPipeline({
      dev: { eligibleFreightCount: 100, eligibleFreightCountCapped: true },
    }).stages;
    renderStages([dev]);
    expect(stageItem('dev')).toHaveTextContent('100+ freight eligible');
  });

  it('shows the soak of the current freight the API reports, and no health or verification it does not', async () => {
    const now = Date.now();
    const [dev, staging, prod] = guestbookPipeline({
      dev: {
        color: 'green',
        soak: {
          since: new Date(now - 30 * 60_000).toISOString(),
          requiredMs: 3600_000,
        },
      },
      staging: { currentFreight: freightRecord(1) },
    }).stages;
    renderStages([dev, staging, prod]);
    const node = stageItem('dev');
    expect(node).toHaveTextContent('soaking 30m of 1h');
    expect(within(node).getByRole('progressbar')).toHaveAttribute(
      'aria-valuenow',
      '50',
    );
    // The pipeline serves no health and no verification of a stage: none is shown.
    for (const name of ['dev', 'staging', 'prod']) {
      expect(stageItem(name)).not.toHaveTextContent('verification');
      expect(stageItem(name)).not.toHaveTextContent('health');
    }
    expect(within(stageItem('staging')).queryByRole('progressbar')).toBeNull();
  });

  it('shows the health the pipeline serves, with the apps and their links', async () => {
    const [dev, staging, prod] = guestbookPipeline({
      dev: {
        health: stageHealth('Healthy', [
          applicationHealth({ name: 'guestbook-dev' }),
        ]),
      },
      prod: { health: stageHealth('NotApplicable', []) },
    }).stages;
    renderStages([dev, staging, prod]);
    const node = stageItem('dev');
    const health = within(node).getByRole('group', { name: 'Health of dev' });
    expect(
      within(health).getByRole('img', { name: 'health Healthy' }),
    ).toHaveTextContent('health Healthy');
    expect(
      within(health).getByRole('listitem', {
        name: 'Argo CD application guestbook-dev',
      }),
    ).toHaveTextContent('Synced at a1b2c3d');
    expect(
      within(health).getByRole('link', {
        name: /^Open guestbook-dev in simulated Argo CD/,
      }),
    ).toBeInTheDocument();
    // No health, or NotApplicable without any app (a stage without Argo CD): nothing to show.
    for (const name of ['staging', 'prod']) {
      expect(stageItem(name)).not.toHaveTextContent('health');
    }
  });

  it('shows a soak that is done', async () => {
    const [dev] = guestbookPipeline({
      dev: {
        soak: {
          since: new Date(Date.now() - 2 * 3600_000).toISOString(),
          requiredMs: 3600_000,
        },
      },
    }).stages;
    renderStages([dev]);
    expect(stageItem('dev')).toHaveTextContent('soaked 1h');
  });

  it('gates the actions on the permissions the pipeline served, without asking the permission backend', () => {
    const allowed = {
      'kargo.stage.promote': true,
      'kargo.freight.approve': true,
      'kargo.promotion.abort': true,
    };
    renderStages(
      guestbookPipeline({
        dev: { eligibleFreightCount: 1, permissions: allowed },
        staging: { eligibleFreightCount: 1, permissions: allowed },
        // The permission backend would allow everything (the default grants): the served decision wins.
        prod: {
          eligibleFreightCount: 1,
          permissions: { ...allowed, 'kargo.stage.promote': false },
        },
      }).stages,
    );
    // Decided at the first render: no "Checking your permissions…".
    expect(
      screen.getByRole('button', { name: 'Promote to dev' }),
    ).toBeEnabled();
    expect(
      screen.getByRole('button', { name: 'Approve freight for prod' }),
    ).toBeEnabled();
    const prod = screen.getByRole('button', { name: 'Promote to prod' });
    expect(prod).toBeDisabled();
    expect(prod.parentElement).toHaveAttribute(
      'title',
      `You are not allowed to promote to stage prod (permission kargo.stage.promote on ${testProject()}/prod).`,
    );
  });

  it('gates the actions on the stage permissions and gives the reason', async () => {
    renderStages(
      guestbookPipeline({
        prod: { eligibleFreightCount: 1, currentFreight: freightRecord(1) },
      }).stages,
      {
        grants: {
          'kargo.stage.promote': ['dev', 'staging'],
          'kargo.freight.approve': ['dev'],
        },
      },
    );
    await waitFor(() =>
      expect(
        screen.getByRole('button', { name: 'Promote to dev' }),
      ).toBeEnabled(),
    );
    expect(screen.getByRole('button', { name: 'Roll back dev' })).toBeEnabled();
    expect(
      screen.getByRole('button', { name: 'Approve freight for dev' }),
    ).toBeEnabled();
    const prod = screen.getByRole('button', { name: 'Promote to prod' });
    expect(prod).toBeDisabled();
    expect(prod.parentElement).toHaveAttribute(
      'title',
      `You are not allowed to promote to stage prod (permission kargo.stage.promote on ${testProject()}/prod).`,
    );
    expect(
      screen.getByRole('button', { name: 'Approve freight for staging' }),
    ).toBeDisabled();
    expect(
      screen.getByRole('button', { name: 'Roll back prod' }),
    ).toBeDisabled();
    await userEvent.hover(prod.parentElement!);
    expect(await screen.findByRole('tooltip')).toHaveTextContent(
      'You are not allowed to promote to stage prod',
    );
  });

  it('offers no rollback without current freight, and no promotion without eligible freight', async () => {
    renderStages([guestbookPipeline().stages[2]]);
    const rollback = screen.getByRole('button', { name: 'Roll back prod' });
    await waitFor(() =>
      expect(rollback.parentElement).toHaveAttribute(
        'title',
        'prod has no freight to roll back from.',
      ),
    );
    expect(rollback).toBeDisabled();
    const promote = screen.getByRole('button', { name: 'Promote to prod' });
    expect(promote).toBeDisabled();
    expect(promote.parentElement).toHaveAttribute(
      'title',
      'No freight is eligible for prod yet.',
    );
  });

  it('opens the promote dialog on the stage', async () => {
    const api = mockKargoApi({
      listFreight: jest.fn().mockResolvedValue({ items: [] }),
    });
    renderStages([guestbookPipeline().stages[1]], { api });
    const promote = screen.getByRole('button', { name: 'Promote to staging' });
    await waitFor(() => expect(promote).toBeEnabled());
    await userEvent.click(promote);
    expect(
      await screen.findByRole('dialog', { name: 'Promote to staging' }),
    ).toBeInTheDocument();
    expect(api.listFreight).toHaveBeenCalledWith(testProject(), {
      stage: 'staging',
      limit: 20,
      cursor: undefined,
    });
  });

  it("shows the backend's refusal of a promotion to a stage closed by a deny window, with its reason", async () => {
    const message =
      'Promotions to stage "prod" are closed: promotion window "release-freeze" (Deny) is active; they next open at 2026-01-04T00:00:00.000Z';
    const api = mockKargoApi({
      listFreight: jest.fn().mockResolvedValue({ items: [freight(2)] }),
      promote: jest
        .fn()
        .mockRejectedValue(await responseError(409, 'ConflictError', message)),
    });
    const onChanged = jest.fn();
    const prod = guestbookPipeline({
      prod: {
        eligibleFreightCount: 1,
        promotionWindow: {
          reason: 'promotion window "release-freeze" (Deny) is active',
          nextOpen: '2026-01-04T00:00:00.000Z',
        },
      },
    }).stages[2];
    renderStages([prod], { api, onChanged });
    const promote = screen.getByRole('button', { name: 'Promote to prod' });
    await waitFor(() => expect(promote).toBeEnabled());
    await userEvent.click(promote);
    const dialog = await screen.findByRole('dialog', {
      name: 'Promote to prod',
    });
    const submit = await within(dialog).findByRole('button', {
      name: 'Promote',
    });
    await waitFor(() => expect(submit).toBeEnabled());
    await userEvent.click(submit);
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      `Promotion refused: Conflict (409): ${message}`,
    );
    expect(onChanged).not.toHaveBeenCalled();
  });

  it('aborts the running promotion and tells the card', async () => {
    const running = promotion({
      id: 'p4',
      stage: 'dev',
      freight: freightRecord(2).id,
      phase: 'Running',
      finishedAt: undefined,
      steps: [{ alias: 'step-1', status: 'Running' }],
    });
    const api = mockKargoApi({
      abortPromotion: jest
        .fn()
        .mockResolvedValue({ ...running, phase: 'Aborted' }),
    });
    const onChanged = jest.fn();
    renderStages(
      guestbookPipeline({ dev: { lastPromotion: running } }).stages,
      {
        api,
        onChanged,
      },
    );
    expect(stageItem('dev')).toHaveTextContent('promotion Running');
    const abort = screen.getByRole('button', {
      name: 'Abort the promotion to dev',
    });
    await waitFor(() => expect(abort).toBeEnabled());
    await userEvent.click(abort);
    const dialog = await screen.findByRole('dialog', {
      name: 'Abort the promotion to dev?',
    });
    // The freight being promoted is the stage's current one: named by its alias.
    expect(dialog).toHaveTextContent('The promotion of freight-2 (Running)');
    const confirm = within(dialog).getByRole('button', {
      name: 'Abort promotion',
    });
    await waitFor(() => expect(confirm).toBeEnabled());
    await userEvent.click(confirm);
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(1));
    expect(api.abortPromotion).toHaveBeenCalledWith(testProject(), 'p4');
    expect(
      screen.queryByRole('button', { name: 'Abort the promotion to staging' }),
    ).not.toBeInTheDocument();
  });
});
