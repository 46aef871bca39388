import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  TestSignals,
  applicationHealth,
  entityWith,
  freightRecord,
  guestbookPipeline,
  mockKargoApi,
  promotion,
  renderForEntity,
  responseError,
  stage,
  stageHealth,
  stageVerification,
  testProject,
  verificationMeasurement,
} from '../../__testUtils__';
import { KargoPipelineCard } from './KargoPipelineCard';

const warehouses = (items: object[] = []) =>
  jest.fn().mockResolvedValue({ items });

function stageItem(name: string) {
  return screen.getByRole('listitem', { name });
}

describe('KargoPipelineCard', () => {
  it('shows the stages in pipeline order with freight, versions and last promotion', async () => {
    const api = mockKargoApi({
      getPipeline: jest.fn().mockResolvedValue(guestbookPipeline()),
      listWarehouses: warehouses(),
    });
    renderForEntity(<KargoPipelineCard />, { api });

    const list = await screen.findByRole('list', {
      name: 'Kargo stages in pipeline order',
    });
    expect(
      within(list)
        .getAllByRole('heading')
        .map(h => h.textContent),
    ).toEqual(['dev', 'staging', 'prod']);
    const dev = stageItem('dev');
    expect(dev).toHaveTextContent('freight-2 (v1.2.0, 2abcdef)');
    // The status is announced, not only drawn.
    expect(
      within(dev).getByRole('img', { name: 'promotion Succeeded' }),
    ).toHaveTextContent('promotion Succeeded');
    expect(dev).toHaveTextContent('3 freight eligible');
    expect(within(dev).getByText(/ago$/)).toBeInTheDocument();
    expect(stageItem('staging')).toHaveTextContent('from dev');
    expect(stageItem('prod')).toHaveTextContent('no freight yet');
    expect(api.getPipeline).toHaveBeenCalledWith(testProject());
    expect(
      screen.getByText(`Project ${testProject()} · 3 stages`),
    ).toBeVisible();
  });

  it('lays the DAG out in columns by depth', async () => {
    const api = mockKargoApi({
      getPipeline: jest.fn().mockResolvedValue({
        project: testProject(),
        warehouses: ['guestbook'],
        stages: [
          stage({ name: 'dev', warehouses: ['guestbook'] }),
          stage({ name: 'qa-a', upstream: ['dev'], depth: 1 }),
          stage({ name: 'qa-b', upstream: ['dev'], depth: 1 }),
          stage({ name: 'prod', upstream: ['qa-a', 'qa-b'], depth: 2 }),
        ],
      }),
      listWarehouses: warehouses(),
    });
    renderForEntity(<KargoPipelineCard />, { api });
    await screen.findByRole('list', { name: 'Kargo stages in pipeline order' });
    const columnOf = (name: string) => stageItem(name).parentElement;
    expect(columnOf('qa-a')).toBe(columnOf('qa-b'));
    expect(columnOf('dev')).not.toBe(columnOf('qa-a'));
    expect(columnOf('prod')).not.toBe(columnOf('qa-a'));
    expect(stageItem('prod')).toHaveTextContent('from qa-a, qa-b');
  });

  it('narrows the stages to the kargo/warehouses annotation', async () => {
    const api = mockKargoApi({
      getPipeline: jest.fn().mockResolvedValue({
        project: 'shop',
        warehouses: ['api', 'web'],
        stages: [
          stage({ name: 'api-dev', warehouses: ['api'] }),
          stage({ name: 'web-dev', warehouses: ['web'] }),
          stage({ name: 'web-prod', upstream: ['web-dev'], depth: 1 }),
        ],
      }),
      listWarehouses: warehouses(),
    });
    renderForEntity(<KargoPipelineCard />, {
      api,
      entity: entityWith({
        'kargo/project': 'shop',
        'kargo/warehouses': 'web',
      }),
    });
    const list = await screen.findByRole('list', {
      name: 'Kargo stages in pipeline order',
    });
    expect(
      within(list)
        .getAllByRole('heading')
        .map(h => h.textContent),
    ).toEqual(['web-dev', 'web-prod']);
    expect(
      screen.getByText('Project shop · 2 of 3 stages (web)'),
    ).toBeVisible();
  });

  it('says when the kargo/warehouses annotation leaves no stage', async () => {
    const api = mockKargoApi({
      getPipeline: jest.fn().mockResolvedValue(guestbookPipeline()),
      listWarehouses: warehouses(),
    });
    renderForEntity(<KargoPipelineCard />, {
      api,
      entity: entityWith({
        'kargo/project': testProject(),
        'kargo/warehouses': 'payments',
      }),
    });
    expect(await screen.findByText('No stages')).toBeInTheDocument();
    expect(
      screen.getByText(
        `No stage of Kargo project "${testProject()}" takes freight from payments: check the kargo/warehouses annotation against the project's warehouses (guestbook).`,
      ),
    ).toBeInTheDocument();
  });

  it('explains the missing annotation without calling the backend', async () => {
    const api = mockKargoApi();
    renderForEntity(<KargoPipelineCard />, { api, entity: entityWith() });
    expect(await screen.findByText('No Kargo project')).toBeInTheDocument();
    expect(screen.getByText(/kargo\/project: my-project/)).toBeInTheDocument();
    expect(api.getPipeline).not.toHaveBeenCalled();
    expect(api.listWarehouses).not.toHaveBeenCalled();
  });

  it('names an unknown project, where projects are defined and failing sources', async () => {
    const api = mockKargoApi({
      getPipeline: jest
        .fn()
        .mockRejectedValue(
          await responseError(
            404,
            'NotFoundError',
            'Kargo project "ghost" not found',
          ),
        ),
      listWarehouses: jest
        .fn()
        .mockRejectedValue(
          await responseError(
            404,
            'NotFoundError',
            'Kargo project "ghost" not found',
          ),
        ),
      listDefinitionSources: jest.fn().mockResolvedValue({
        items: [
          {
            key: 'file:a',
            kind: 'file',
            target: '../../examples/kargo/*.yaml',
            projects: ['guestbook'],
            checkedAt: '2026-01-01T00:00:00Z',
          },
          {
            key: 'file:b',
            kind: 'file',
            target: '../../examples/kargo/ghost.yaml',
            projects: [],
            lastError: 'ghost.yaml, document 2: spec.subscriptions: required',
            checkedAt: '2026-01-01T00:00:00Z',
          },
        ],
      }),
    });
    renderForEntity(<KargoPipelineCard />, {
      api,
      entity: entityWith({ 'kargo/project': 'ghost' }),
    });
    expect(
      await screen.findByText('Kargo project "ghost" not found'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/kargo\.definitions in app-config\.yaml/),
    ).toBeVisible();
    expect(
      await screen.findByText(
        'Last error: ghost.yaml, document 2: spec.subscriptions: required',
      ),
    ).toBeInTheDocument();
    expect(screen.getByText('Projects: guestbook')).toBeInTheDocument();
  });

  it('says when the backend cannot be reached, and what to check', async () => {
    const api = mockKargoApi({
      getPipeline: jest
        .fn()
        .mockRejectedValue(new TypeError('Failed to fetch')),
      listWarehouses: jest
        .fn()
        .mockRejectedValue(new TypeError('Failed to fetch')),
    });
    renderForEntity(<KargoPipelineCard />, { api });
    expect(
      await screen.findByText('Error: Kargo backend unreachable'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/Failed to fetch.*plugin-kargo-backend/),
    ).toBeInTheDocument();
  });

  it('shows other backend errors as they are', async () => {
    const api = mockKargoApi({
      getPipeline: jest
        .fn()
        .mockRejectedValue(
          await responseError(500, 'Error', 'database is locked'),
        ),
      listWarehouses: warehouses(),
    });
    renderForEntity(<KargoPipelineCard />, { api });
    expect(
      await screen.findByText(
        `Error: Could not load Kargo project "${testProject()}"`,
      ),
    ).toBeInTheDocument();
    expect(screen.getByText('database is locked')).toBeInTheDocument();
  });

  it('says that there is no freight yet, and shows failed discovery with the fix', async () => {
    const api = mockKargoApi({
      getPipeline: jest.fn().mockResolvedValue(
        guestbookPipeline({
          dev: {
            currentFreight: undefined,
            lastPromotion: undefined,
            eligibleFreightCount: 0,
          },
          staging: { eligibleFreightCount: 0 },
        }),
      ),
      listWarehouses: warehouses([
        {
          project: testProject(),
          name: 'guestbook',
          lastError:
            'git ls-remote: repository not found\nfatal: could not read from remote',
        },
      ]),
    });
    renderForEntity(<KargoPipelineCard />, { api });
    expect(
      await screen.findByText(/No freight yet: warehouse guestbook found no/),
    ).toBeInTheDocument();
    const discovery = await screen.findByText(
      /Discovery failed for warehouse guestbook: git ls-remote: repository not foundCheck the subscriptions/,
    );
    // The card shows the first line; the whole error is in the tooltip.
    expect(discovery).not.toHaveTextContent('fatal');
    expect(discovery.closest('[title]')).toHaveAttribute(
      'title',
      'git ls-remote: repository not found\nfatal: could not read from remote',
    );
    const promote = screen.getByRole('button', { name: 'Promote to dev' });
    expect(promote).toBeDisabled();
    expect(promote.parentElement).toHaveAttribute(
      'title',
      'No freight is eligible for dev yet.',
    );
  });

  it('reloads the pipeline and the warehouses on Reload', async () => {
    const api = mockKargoApi({
      getPipeline: jest.fn().mockResolvedValue(guestbookPipeline()),
      listWarehouses: warehouses(),
    });
    renderForEntity(<KargoPipelineCard />, { api });
    await screen.findByRole('list', { name: 'Kargo stages in pipeline order' });
    await userEvent.click(
      screen.getByRole('button', { name: 'Reload the pipeline' }),
    );
    await waitFor(() => expect(api.getPipeline).toHaveBeenCalledTimes(2));
    expect(api.listWarehouses).toHaveBeenCalledTimes(2);
    expect(api.listWarehouses).toHaveBeenLastCalledWith(testProject());
  });

  it('keeps the pipeline on screen when a reload fails, with a warning', async () => {
    const api = mockKargoApi({
      getPipeline: jest
        .fn()
        .mockResolvedValueOnce(guestbookPipeline())
        .mockRejectedValue(await responseError(500, 'Error', 'db is locked')),
      listWarehouses: warehouses(),
    });
    renderForEntity(<KargoPipelineCard />, { api });
    await screen.findByRole('list', { name: 'Kargo stages in pipeline order' });
    await userEvent.click(
      screen.getByRole('button', { name: 'Reload the pipeline' }),
    );
    expect(
      await screen.findByText(/Could not refresh the pipeline: db is locked/),
    ).toBeInTheDocument();
    expect(stageItem('dev')).toHaveTextContent('freight-2');
  });

  it('polls while a promotion runs, with backoff, and stops when it ended', async () => {
    jest.useFakeTimers({ advanceTimers: false });
    try {
      const running = guestbookPipeline({
        staging: {
          lastPromotion: promotion({
            id: 'p2',
            stage: 'staging',
            phase: 'Running',
            finishedAt: undefined,
            steps: [{ alias: 'step-1', status: 'Running' }],
          }),
        },
      });
      const done = guestbookPipeline({
        staging: {
          currentFreight: freightRecord(2),
          lastPromotion: promotion({ id: 'p2', stage: 'staging' }),
        },
      });
      const getPipeline = jest
        .fn()
        .mockResolvedValueOnce(running)
        .mockResolvedValueOnce(running)
        .mockResolvedValueOnce(running)
        .mockResolvedValue(done);
      const api = mockKargoApi({ getPipeline, listWarehouses: warehouses() });
      renderForEntity(<KargoPipelineCard />, { api });
      await act(async () => {
        await jest.advanceTimersByTimeAsync(0);
      });
      expect(stageItem('staging')).toHaveTextContent('promotion Running');
      expect(
        screen.getByRole('button', { name: 'Abort the promotion to staging' }),
      ).toBeInTheDocument();
      expect(getPipeline).toHaveBeenCalledTimes(1);

      // 2 s, then 4 s (no progress), then 8 s.
      await act(() => jest.advanceTimersByTimeAsync(1999));
      expect(getPipeline).toHaveBeenCalledTimes(1);
      await act(() => jest.advanceTimersByTimeAsync(1));
      expect(getPipeline).toHaveBeenCalledTimes(2);
      await act(() => jest.advanceTimersByTimeAsync(3999));
      expect(getPipeline).toHaveBeenCalledTimes(2);
      await act(() => jest.advanceTimersByTimeAsync(1));
      expect(getPipeline).toHaveBeenCalledTimes(3);
      await act(() => jest.advanceTimersByTimeAsync(8000));
      expect(getPipeline).toHaveBeenCalledTimes(4);
      expect(stageItem('staging')).toHaveTextContent('promotion Succeeded');
      expect(stageItem('staging')).toHaveTextContent('freight-2');

      // Nothing runs any more: no further requests.
      await act(() => jest.advanceTimersByTimeAsync(120_000));
      expect(getPipeline).toHaveBeenCalledTimes(4);
    } finally {
      jest.useRealTimers();
    }
  });

  it('does not poll when nothing runs', async () => {
    jest.useFakeTimers({ advanceTimers: false });
    try {
      const getPipeline = jest.fn().mockResolvedValue(guestbookPipeline());
      const api = mockKargoApi({ getPipeline, listWarehouses: warehouses() });
      renderForEntity(<KargoPipelineCard />, { api });
      await act(() => jest.advanceTimersByTimeAsync(60_000));
      expect(
        screen.getByRole('list', { name: 'Kargo stages in pipeline order' }),
      ).toBeInTheDocument();
      expect(getPipeline).toHaveBeenCalledTimes(1);
    } finally {
      jest.useRealTimers();
    }
  });

  describe('health', () => {
    const devHealth = (status: 'Progressing' | 'Healthy' | 'Unknown') =>
      guestbookPipeline({
        dev: {
          health: stageHealth(status, [
            applicationHealth({
              name: 'guestbook-dev',
              status,
              healthStatus: status,
            }),
          ]),
        },
      });

    it('without signals, polls while health settles after a promotion, and stops once Healthy', async () => {
      jest.useFakeTimers({ advanceTimers: false });
      try {
        const getPipeline = jest
          .fn()
          .mockResolvedValueOnce(devHealth('Unknown'))
          .mockResolvedValueOnce(devHealth('Progressing'))
          .mockResolvedValue(devHealth('Healthy'));
        const api = mockKargoApi({ getPipeline, listWarehouses: warehouses() });
        renderForEntity(<KargoPipelineCard />, { api });
        await act(() => jest.advanceTimersByTimeAsync(0));
        expect(stageItem('dev')).toHaveTextContent('health Unknown');

        // Progress (Unknown -> Progressing) keeps the first delay: 2 s, then 2 s again.
        await act(() => jest.advanceTimersByTimeAsync(2000));
        expect(getPipeline).toHaveBeenCalledTimes(2);
        expect(stageItem('dev')).toHaveTextContent('health Progressing');
        await act(() => jest.advanceTimersByTimeAsync(2000));
        expect(getPipeline).toHaveBeenCalledTimes(3);
        expect(
          within(stageItem('dev')).getByRole('img', {
            name: 'health Healthy',
          }),
        ).toBeInTheDocument();

        await act(() => jest.advanceTimersByTimeAsync(120_000));
        expect(getPipeline).toHaveBeenCalledTimes(3);
      } finally {
        jest.useRealTimers();
      }
    });

    it("with signals, reloads on a signal of the project's channel instead of polling", async () => {
      jest.useFakeTimers({ advanceTimers: false });
      try {
        const signals = new TestSignals();
        const getPipeline = jest
          .fn()
          .mockResolvedValueOnce(devHealth('Progressing'))
          .mockResolvedValue(devHealth('Healthy'));
        const api = mockKargoApi({ getPipeline, listWarehouses: warehouses() });
        renderForEntity(<KargoPipelineCard />, { api, signals });
        await act(() => jest.advanceTimersByTimeAsync(0));
        expect(stageItem('dev')).toHaveTextContent('health Progressing');
        await act(() => jest.advanceTimersByTimeAsync(60_000));
        expect(getPipeline).toHaveBeenCalledTimes(1);

        // Another project's signal changes nothing.
        expect(
          signals.publish('kargo:project:other', {
            kind: 'stage-health',
            project: 'other',
            stage: 'dev',
          }),
        ).toBe(0);
        await act(async () => {
          expect(
            // The backend's message names the stage only; the card reads the health through the API.
            signals.publish(`kargo:project:${testProject()}`, {
              kind: 'stage-health',
              project: testProject(),
              stage: 'dev',
            }),
          ).toBe(1);
          await jest.advanceTimersByTimeAsync(0);
        });
        expect(getPipeline).toHaveBeenCalledTimes(2);
        expect(stageItem('dev')).toHaveTextContent('health Healthy');
      } finally {
        jest.useRealTimers();
      }
    });
  });

  describe('verification', () => {
    const running = guestbookPipeline({
      dev: {
        verification: stageVerification('Running', [
          verificationMeasurement({ metric: 'web-check', value: '200' }),
        ]),
      },
    });
    const successful = guestbookPipeline({
      dev: {
        verification: stageVerification('Successful', [
          verificationMeasurement({ metric: 'web-check', value: '200' }),
          verificationMeasurement({
            metric: 'web-check',
            value: '200',
            startedAt: '2026-01-01T00:12:10.000Z',
            finishedAt: '2026-01-01T00:12:11.000Z',
          }),
        ]),
      },
    });

    it("opens the stage's drawer with the verification, and follows the stage-verification signal", async () => {
      const signals = new TestSignals();
      const getPipeline = jest
        .fn()
        .mockResolvedValueOnce(running)
        .mockResolvedValue(successful);
      const api = mockKargoApi({ getPipeline, listWarehouses: warehouses() });
      renderForEntity(<KargoPipelineCard />, { api, signals });
      await screen.findByRole('list', {
        name: 'Kargo stages in pipeline order',
      });
      expect(
        within(stageItem('dev')).getByRole('img', {
          name: 'verification Running',
        }),
      ).toBeInTheDocument();
      await userEvent.click(
        within(stageItem('dev')).getByRole('button', {
          name: 'Details of dev',
        }),
      );
      const drawer = await screen.findByRole('dialog', { name: 'Stage dev' });
      const table = within(drawer).getByRole('table', {
        name: 'Measurements of the verification of dev',
      });
      expect(within(table).getAllByRole('row')).toHaveLength(2);
      expect(
        within(drawer).getByRole('button', { name: 'Abort verification' }),
      ).toBeInTheDocument();

      await act(async () => {
        signals.publish(`kargo:project:${testProject()}`, {
          kind: 'stage-verification',
          project: testProject(),
          stage: 'dev',
        });
      });
      await waitFor(() =>
        expect(
          within(drawer).getByRole('img', { name: 'verification Successful' }),
        ).toBeInTheDocument(),
      );
      expect(getPipeline).toHaveBeenCalledTimes(2);
      expect(within(table).getAllByRole('row')).toHaveLength(3);
      expect(
        within(drawer).getByRole('button', { name: 'Re-verify' }),
      ).toBeInTheDocument();
      expect(
        within(drawer).queryByRole('button', { name: 'Abort verification' }),
      ).toBeNull();
    });

    it('without signals, polls while a verification runs, and stops once it finished', async () => {
      jest.useFakeTimers({ advanceTimers: false });
      try {
        const getPipeline = jest
          .fn()
          .mockResolvedValueOnce(running)
          .mockResolvedValue(successful);
        const api = mockKargoApi({ getPipeline, listWarehouses: warehouses() });
        renderForEntity(<KargoPipelineCard />, { api });
        await act(() => jest.advanceTimersByTimeAsync(0));
        expect(stageItem('dev')).toHaveTextContent('verification Running');
        await act(() => jest.advanceTimersByTimeAsync(2000));
        expect(getPipeline).toHaveBeenCalledTimes(2);
        expect(stageItem('dev')).toHaveTextContent('verification Successful');
        await act(() => jest.advanceTimersByTimeAsync(120_000));
        expect(getPipeline).toHaveBeenCalledTimes(2);
      } finally {
        jest.useRealTimers();
      }
    });
  });
});
