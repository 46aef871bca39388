import { configure, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  MockKargoApi,
  applicationHealth,
  entityWith,
  freight,
  guestbookPipeline,
  mockKargoApi,
  promotion,
  renderForEntity,
  responseError,
  stageHealth,
  testProject,
  timelineFreight,
} from '../../__testUtils__';
import { KargoEntityContent } from './KargoEntityContent';

function tabApi(overrides: Partial<MockKargoApi> = {}): MockKargoApi {
  return mockKargoApi({
    getPipeline: jest.fn().mockResolvedValue(guestbookPipeline()),
    listFreight: jest.fn().mockResolvedValue({ items: timelineFreight() }),
    listPromotions: jest.fn().mockResolvedValue({
      items: [
        promotion({ id: 'p2', freight: freight(2).id }),
        promotion({
          id: 'p1',
          freight: freight(1).id,
          phase: 'Failed',
          createdAt: '2026-01-01T00:05:00.000Z',
        }),
      ],
    }),
    listWarehouses: jest.fn().mockResolvedValue({
      items: [
        {
          project: testProject(),
          name: 'guestbook',
          lastDiscoveryAt: '2026-01-04T00:00:00Z',
        },
      ],
    }),
    ...overrides,
  });
}

const cell = (name: string) => screen.getByRole('button', { name });

// The whole tab renders three cards of MUI tables and reloads them after each action: on a busy machine one test
// takes seconds. Longer bounds here only (this file's module registry), so that load does not fail the tests.
configure({ asyncUtilTimeout: 5_000 });
jest.setTimeout(30_000);

describe('KargoEntityContent', () => {
  describe('stage health', () => {
    it('shows the health of the stages that report it, with their Argo CD applications', async () => {
      const api = tabApi({
        getPipeline: jest.fn().mockResolvedValue(
          guestbookPipeline({
            dev: {
              health: stageHealth('Healthy', [
                applicationHealth({ name: 'guestbook-dev' }),
              ]),
            },
          }),
        ),
      });
      renderForEntity(<KargoEntityContent />, { api });
      const table = await screen.findByRole('table', {
        name: 'Health of the stages and their Argo CD applications',
      });
      expect(
        within(
          within(table).getByRole('row', { name: 'Health of dev' }),
        ).getByRole('img', { name: 'health Healthy' }),
      ).toBeInTheDocument();
      expect(
        within(table).getByRole('link', {
          name: /^Open guestbook-dev in simulated Argo CD/,
        }),
      ).toBeInTheDocument();
    });

    it('has no health card when no stage reports health', async () => {
      renderForEntity(<KargoEntityContent />, { api: tabApi() });
      await screen.findByRole('table', { name: 'Freight timeline' });
      expect(screen.queryByText('Stage health')).toBeNull();
    });
  });

  describe('freight timeline', () => {
    it('loads freight with its status, a page of 25 newest first, into the timeline', async () => {
      const api = tabApi();
      renderForEntity(<KargoEntityContent />, { api });
      const table = await screen.findByRole('table', {
        name: 'Freight timeline',
      });
      const rows = within(table).getAllByRole('row');
      expect(
        within(rows[0])
          .getAllByRole('columnheader')
          .map(c => c.textContent),
      ).toEqual(['Freight', 'dev', 'staging', 'prod']);
      expect(
        rows.slice(1).map(r => r.querySelector('th strong')?.textContent),
      ).toEqual(['freight-3', 'freight-2', 'freight-1']);
      expect(cell('freight-2 in dev: current, verified')).toBeInTheDocument();
      await waitFor(() =>
        expect(
          cell('freight-1 in dev: was here, verified'),
        ).toBeInTheDocument(),
      );
      expect(cell('freight-3 in prod: approved')).toBeInTheDocument();
      expect(cell('freight-3 in dev: never here')).toBeInTheDocument();
      // "Was here" comes with each freight's status: no request per stage.
      expect(api.getStageHistory).not.toHaveBeenCalled();
      expect(api.listFreight).toHaveBeenCalledWith(testProject(), {
        origins: undefined,
        limit: 25,
        cursor: undefined,
      });
    });

    it('pages by cursor with Load more', async () => {
      const listFreight = jest
        .fn()
        .mockResolvedValueOnce({ items: [freight(9)], nextCursor: 'next' })
        .mockResolvedValueOnce({ items: [freight(8)] });
      renderForEntity(<KargoEntityContent />, { api: tabApi({ listFreight }) });
      const table = await screen.findByRole('table', {
        name: 'Freight timeline',
      });
      expect(screen.getByText('1 freight shown')).toBeInTheDocument();
      await userEvent.click(
        within(table.closest('.MuiCard-root') as HTMLElement).getByRole(
          'button',
          { name: 'Load more' },
        ),
      );
      expect(await screen.findByText('2 freight shown')).toBeInTheDocument();
      expect(listFreight).toHaveBeenLastCalledWith(testProject(), {
        origins: undefined,
        limit: 25,
        cursor: 'next',
      });
    });

    it('narrows freight to the kargo/warehouses annotation', async () => {
      const api = tabApi();
      renderForEntity(<KargoEntityContent />, {
        api,
        entity: entityWith({
          'kargo/project': testProject(),
          'kargo/warehouses': 'guestbook',
        }),
      });
      await screen.findByRole('table', { name: 'Freight timeline' });
      expect(api.listFreight).toHaveBeenCalledWith(testProject(), {
        origins: ['guestbook'],
        limit: 25,
        cursor: undefined,
      });
    });

    it('promotes the selected freight to the selected stage and refreshes', async () => {
      const api = tabApi({
        promote: jest
          .fn()
          .mockResolvedValue(
            promotion({ id: 'p3', stage: 'staging', phase: 'Pending' }),
          ),
      });
      renderForEntity(<KargoEntityContent />, { api });
      await screen.findByRole('table', { name: 'Freight timeline' });
      await userEvent.click(cell('freight-2 in staging: never here'));
      const selection = screen.getByRole('region', {
        name: 'Selected freight',
      });
      expect(selection).toHaveTextContent('freight-2');
      const promote = within(selection).getByRole('button', {
        name: 'Promote to staging',
      });
      await waitFor(() => expect(promote).toBeEnabled());
      await userEvent.click(promote);
      const dialog = await screen.findByRole('dialog', {
        name: 'Promote to staging',
      });
      const submit = within(dialog).getByRole('button', { name: 'Promote' });
      await waitFor(() => expect(submit).toBeEnabled());
      const loads = api.listFreight.mock.calls.length;
      await userEvent.click(submit);
      await waitFor(() =>
        expect(api.promote).toHaveBeenCalledWith(
          testProject(),
          'staging',
          freight(2).id,
        ),
      );
      await waitFor(() =>
        expect(api.listFreight.mock.calls.length).toBeGreaterThan(loads),
      );
      expect(api.getPipeline.mock.calls.length).toBeGreaterThan(1);
      expect(
        screen.queryByRole('dialog', { name: 'Promote to staging' }),
      ).not.toBeInTheDocument();
    });
  });

  describe('promotion history', () => {
    it('names the freight of each promotion by the alias the timeline loaded', async () => {
      renderForEntity(<KargoEntityContent />, { api: tabApi() });
      const table = await screen.findByRole('table', { name: 'Promotions' });
      await waitFor(() =>
        expect(within(table).getAllByRole('row')[1]).toHaveTextContent(
          'devfreight-2Succeededuser:default/guest',
        ),
      );
      expect(within(table).getAllByRole('row')[2]).toHaveTextContent(
        'devfreight-1Failed',
      );
    });

    it('aborts a running promotion from its drawer and refreshes the tab', async () => {
      const running = promotion({
        id: 'p5',
        stage: 'staging',
        phase: 'Running',
        finishedAt: undefined,
        steps: [{ alias: 'step-1', status: 'Running' }],
      });
      // No freight and no warehouses: only the promotions matter here, and the tab renders faster.
      const api = tabApi({
        listFreight: jest.fn().mockResolvedValue({ items: [] }),
        listWarehouses: jest.fn().mockResolvedValue({ items: [] }),
        listPromotions: jest.fn().mockResolvedValue({ items: [running] }),
        getPromotion: jest
          .fn()
          .mockResolvedValueOnce(running)
          .mockResolvedValue({ ...running, phase: 'Aborted' }),
        abortPromotion: jest
          .fn()
          .mockResolvedValue({ ...running, phase: 'Aborted' }),
      });
      renderForEntity(<KargoEntityContent />, { api });
      await userEvent.click(
        await screen.findByRole('button', {
          name: /Steps of the promotion of .* to staging/,
        }),
      );
      const drawer = await screen.findByRole('dialog', {
        name: 'Promotion p5',
      });
      const abort = await within(drawer).findByRole('button', {
        name: 'Abort',
      });
      await waitFor(() => expect(abort).toBeEnabled());
      await userEvent.click(abort);
      const confirm = await screen.findByRole('button', {
        name: 'Abort promotion',
      });
      await waitFor(() => expect(confirm).toBeEnabled());
      await userEvent.click(confirm);
      await waitFor(() =>
        expect(api.abortPromotion).toHaveBeenCalledWith(testProject(), 'p5'),
      );
      expect(await within(drawer).findByText('Aborted')).toBeInTheDocument();
      // The pipeline and the lists reload after the abort.
      await waitFor(() =>
        expect(api.getPipeline.mock.calls.length).toBeGreaterThan(1),
      );
      await waitFor(() =>
        expect(api.listFreight.mock.calls.length).toBeGreaterThan(1),
      );
    });
  });

  describe('warehouses', () => {
    it('shows only the warehouses of the kargo/warehouses annotation', async () => {
      const api = tabApi({
        listWarehouses: jest.fn().mockResolvedValue({
          items: [
            { project: testProject(), name: 'guestbook' },
            { project: testProject(), name: 'charts' },
          ],
        }),
      });
      renderForEntity(<KargoEntityContent />, {
        api,
        entity: entityWith({
          'kargo/project': testProject(),
          'kargo/warehouses': 'guestbook',
        }),
      });
      expect(
        await screen.findByRole('region', { name: 'Warehouse guestbook' }),
      ).toBeInTheDocument();
      expect(
        screen.queryByRole('region', { name: 'Warehouse charts' }),
      ).not.toBeInTheDocument();
    });

    it('reloads the freight after freight was created from a warehouse', async () => {
      const api = tabApi({
        listWarehouses: jest.fn().mockResolvedValue({
          items: [
            {
              project: testProject(),
              name: 'guestbook',
              freightCreationPolicy: 'Manual',
              lastDiscoveryAt: '2026-01-04T00:00:00Z',
              discovered: {
                discoveredAt: '2026-01-04T00:00:00Z',
                images: [
                  {
                    repoURL: 'ghcr.io/acme/app',
                    references: [{ tag: 'v1.5.0', digest: 'sha256:5' }],
                  },
                ],
              },
            },
          ],
        }),
        createFreight: jest.fn().mockResolvedValue(freight(9)),
      });
      renderForEntity(<KargoEntityContent />, { api });
      const open = await screen.findByRole('button', {
        name: 'Create freight from warehouse guestbook',
      });
      await waitFor(() => expect(open).toBeEnabled());
      await userEvent.click(open);
      const dialog = await screen.findByRole('dialog', {
        name: 'Create freight from guestbook',
      });
      const create = within(dialog).getByRole('button', { name: 'Create' });
      await waitFor(() => expect(create).toBeEnabled());
      const loads = api.listFreight.mock.calls.length;
      await userEvent.click(create);
      await waitFor(() =>
        expect(api.listFreight.mock.calls.length).toBeGreaterThan(loads),
      );
      expect(api.getPipeline.mock.calls.length).toBeGreaterThan(1);
    });
  });

  describe('states', () => {
    it('explains the missing annotation', async () => {
      const api = mockKargoApi();
      renderForEntity(<KargoEntityContent />, { api, entity: entityWith() });
      expect(await screen.findByText('No Kargo project')).toBeInTheDocument();
      expect(api.getPipeline).not.toHaveBeenCalled();
      expect(api.listFreight).not.toHaveBeenCalled();
    });

    it('names an unknown project', async () => {
      const notFound = await responseError(
        404,
        'NotFoundError',
        `Kargo project "${testProject()}" not found`,
      );
      const api = tabApi({
        getPipeline: jest.fn().mockRejectedValue(notFound),
        listFreight: jest.fn().mockRejectedValue(notFound),
        listDefinitionSources: jest.fn().mockResolvedValue({ items: [] }),
      });
      renderForEntity(<KargoEntityContent />, { api });
      expect(
        await screen.findByText(`Kargo project "${testProject()}" not found`),
      ).toBeInTheDocument();
    });

    it('says when the backend cannot be reached', async () => {
      const api = tabApi({
        getPipeline: jest
          .fn()
          .mockRejectedValue(
            await responseError(503, 'ServiceUnavailable', 'upstream down'),
          ),
      });
      renderForEntity(<KargoEntityContent />, { api });
      expect(
        await screen.findByText('Error: Kargo backend unreachable'),
      ).toBeInTheDocument();
    });
  });
});
