import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Promotion } from '@kargo-portal/plugin-kargo-common';
import {
  MockKargoApi,
  entityWith,
  freight,
  guestbookPipeline,
  mockKargoApi,
  promotion,
  renderForEntity,
  responseError,
  testProject,
} from '../../__testUtils__';
import { KargoEntityContent } from './KargoEntityContent';

/** freight-3 (newest, approved for prod), freight-2 (in dev, verified there), freight-1 (was in dev). */
function timelineFreight() {
  return [
    freight(3, {
      approvedFor: { prod: { approvedAt: '2026-01-04T00:00:00Z' } },
    }),
    freight(2, {
      currentlyIn: ['dev'],
      verifiedIn: { dev: {} },
      previouslyIn: ['dev'],
    }),
    freight(1, { verifiedIn: { dev: {} }, previouslyIn: ['dev'] }),
  ];
}

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

describe('KargoEntityContent', () => {
  describe('freight timeline', () => {
    it('marks where each freight is, was, is verified and approved', async () => {
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

    it('approves the selected freight for the selected stage', async () => {
      const api = tabApi({
        approveFreight: jest.fn().mockResolvedValue(freight(1)),
      });
      renderForEntity(<KargoEntityContent />, { api });
      await screen.findByRole('table', { name: 'Freight timeline' });
      await userEvent.click(cell('freight-1 in prod: never here'));
      const approve = within(
        screen.getByRole('region', { name: 'Selected freight' }),
      ).getByRole('button', { name: 'Approve for prod' });
      await waitFor(() => expect(approve).toBeEnabled());
      await userEvent.click(approve);
      const dialog = await screen.findByRole('dialog', {
        name: 'Approve for prod',
      });
      const submit = within(dialog).getByRole('button', { name: 'Approve' });
      await waitFor(() => expect(submit).toBeEnabled());
      await userEvent.click(submit);
      await waitFor(() =>
        expect(api.approveFreight).toHaveBeenCalledWith(
          testProject(),
          'prod',
          freight(1).id,
        ),
      );
    });

    it('disables the actions of a denied user with the reason', async () => {
      renderForEntity(<KargoEntityContent />, {
        api: tabApi(),
        grants: {
          'kargo.stage.promote': ['dev', 'staging'],
          'kargo.freight.approve': ['dev', 'staging'],
        },
      });
      await screen.findByRole('table', { name: 'Freight timeline' });
      await userEvent.click(cell('freight-3 in prod: approved'));
      const selection = screen.getByRole('region', {
        name: 'Selected freight',
      });
      const promote = within(selection).getByRole('button', {
        name: 'Promote to prod',
      });
      await waitFor(() =>
        expect(promote.parentElement).toHaveAttribute(
          'title',
          `You are not allowed to promote to stage prod (permission kargo.stage.promote on ${testProject()}/prod).`,
        ),
      );
      expect(promote).toBeDisabled();
      const approve = within(selection).getByRole('button', {
        name: 'Approve for prod',
      });
      expect(approve).toBeDisabled();
    });

    it('says there is no freight yet and where it comes from', async () => {
      renderForEntity(<KargoEntityContent />, {
        api: tabApi({
          listFreight: jest.fn().mockResolvedValue({ items: [] }),
        }),
      });
      expect(await screen.findByText('No freight yet')).toBeInTheDocument();
      expect(
        screen.getByText(/Freight appears when a warehouse discovers/),
      ).toBeInTheDocument();
    });
  });

  describe('promotion history', () => {
    it('lists promotions, filters by stage and pages', async () => {
      const listPromotions = jest
        .fn()
        .mockResolvedValueOnce({
          items: [promotion({ id: 'p2', freight: freight(2).id })],
          nextCursor: 'older',
        })
        .mockResolvedValueOnce({
          items: [
            promotion({ id: 'p1', freight: freight(1).id, phase: 'Failed' }),
          ],
        })
        .mockResolvedValue({ items: [] });
      renderForEntity(<KargoEntityContent />, {
        api: tabApi({ listPromotions }),
      });
      const table = await screen.findByRole('table', { name: 'Promotions' });
      expect(within(table).getAllByRole('row')[1]).toHaveTextContent(
        'devfreight-2Succeededuser:default/guest',
      );
      const card = table.closest('.MuiCard-root') as HTMLElement;
      await userEvent.click(
        within(card).getByRole('button', { name: 'Load more' }),
      );
      expect(await within(card).findByText('Failed')).toBeInTheDocument();
      expect(listPromotions).toHaveBeenLastCalledWith(testProject(), {
        stage: undefined,
        limit: 20,
        cursor: 'older',
      });

      await userEvent.click(
        within(card).getByRole('button', { name: /Stage/ }),
      );
      await userEvent.click(
        await screen.findByRole('option', { name: 'staging' }),
      );
      expect(await screen.findByText('No promotions yet')).toBeInTheDocument();
      expect(listPromotions).toHaveBeenLastCalledWith(testProject(), {
        stage: 'staging',
        limit: 20,
        cursor: undefined,
      });
    });

    it("opens a promotion's steps with status, message, output and log", async () => {
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
      const api = tabApi({
        listPromotions: jest.fn().mockResolvedValue({
          items: [
            promotion({
              id: 'p9',
              stage: 'staging',
              freight: freight(2).id,
              phase: 'Failed',
            }),
          ],
        }),
        getPromotion: jest.fn().mockResolvedValue(detail),
      });
      renderForEntity(<KargoEntityContent />, { api });
      await userEvent.click(
        await screen.findByRole('button', {
          name: 'Steps of the promotion of freight-2 to staging',
        }),
      );
      const drawer = await screen.findByRole('dialog', {
        name: 'Promotion p9',
      });
      expect(
        await within(drawer).findByText('step git-push failed'),
      ).toBeInTheDocument();
      expect(api.getPromotion).toHaveBeenCalledWith(testProject(), 'p9');
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
      await waitFor(() =>
        expect(
          screen.queryByRole('dialog', { name: 'Promotion p9' }),
        ).not.toBeInTheDocument(),
      );
    });

    it('aborts a running promotion from its drawer', async () => {
      const running = promotion({
        id: 'p5',
        stage: 'staging',
        phase: 'Running',
        finishedAt: undefined,
        steps: [{ alias: 'step-1', status: 'Running' }],
      });
      const api = tabApi({
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
    });
  });

  describe('warehouses', () => {
    it('shows discovery results and errors with the fix', async () => {
      const api = tabApi({
        listWarehouses: jest.fn().mockResolvedValue({
          items: [
            {
              project: testProject(),
              name: 'guestbook',
              lastDiscoveryAt: '2026-01-04T00:00:00Z',
              discovered: {
                discoveredAt: '2026-01-04T00:00:00Z',
                images: [
                  {
                    repoURL: 'ghcr.io/acme/app',
                    references: [
                      { tag: 'v1.3.0', digest: 'sha256:3' },
                      { tag: 'v1.2.0', digest: 'sha256:2' },
                    ],
                  },
                ],
                commits: [
                  {
                    repoURL: 'https://git.example/app',
                    commits: [{ id: 'deadbeefcafe' }],
                  },
                ],
              },
            },
            {
              project: testProject(),
              name: 'charts',
              lastError: 'GET https://charts.example/index.yaml: 404',
            },
          ],
        }),
      });
      renderForEntity(<KargoEntityContent />, { api });
      const guestbook = await screen.findByRole('region', {
        name: 'Warehouse guestbook',
      });
      expect(guestbook).toHaveTextContent('discovered');
      expect(guestbook).toHaveTextContent(
        'image ghcr.io/acme/app: v1.3.0, v1.2.0',
      );
      expect(guestbook).toHaveTextContent(
        'git https://git.example/app: deadbee',
      );
      const charts = screen.getByRole('region', { name: 'Warehouse charts' });
      expect(charts).toHaveTextContent('discovery failed');
      expect(within(charts).getByRole('alert')).toHaveTextContent(
        'GET https://charts.example/index.yaml: 404',
      );
      expect(within(charts).getByRole('alert')).toHaveTextContent(
        'Check the subscriptions of the Warehouse manifest',
      );
    });

    it('refreshes a warehouse and reloads its status', async () => {
      const listWarehouses = jest
        .fn()
        .mockResolvedValueOnce({
          items: [{ project: testProject(), name: 'guestbook' }],
        })
        .mockResolvedValue({
          items: [
            {
              project: testProject(),
              name: 'guestbook',
              refreshRequestedAt: new Date().toISOString(),
              refreshRequestedBy: 'user:default/guest',
            },
          ],
        });
      const api = tabApi({
        listWarehouses,
        refreshWarehouse: jest.fn().mockResolvedValue({
          project: testProject(),
          name: 'guestbook',
        }),
      });
      renderForEntity(<KargoEntityContent />, { api });
      const region = await screen.findByRole('region', {
        name: 'Warehouse guestbook',
      });
      expect(region).toHaveTextContent('not discovered yet');
      const refresh = within(region).getByRole('button', {
        name: 'Refresh warehouse guestbook',
      });
      await waitFor(() => expect(refresh).toBeEnabled());
      await userEvent.click(refresh);
      expect(api.refreshWarehouse).toHaveBeenCalledWith(
        testProject(),
        'guestbook',
      );
      await waitFor(() =>
        expect(region).toHaveTextContent(
          /Waiting for the discovery requested .* by user:default\/guest/,
        ),
      );
    });

    it('shows a refused refresh inline and disables it for denied users', async () => {
      const api = tabApi({
        refreshWarehouse: jest
          .fn()
          .mockRejectedValue(
            await responseError(403, 'NotAllowedError', 'not allowed'),
          ),
      });
      renderForEntity(<KargoEntityContent />, { api });
      const region = await screen.findByRole('region', {
        name: 'Warehouse guestbook',
      });
      const refresh = within(region).getByRole('button', {
        name: 'Refresh warehouse guestbook',
      });
      await waitFor(() => expect(refresh).toBeEnabled());
      await userEvent.click(refresh);
      expect(await within(region).findByRole('alert')).toHaveTextContent(
        'Refresh refused: Not allowed (403): not allowed',
      );
    });

    it('disables Refresh for a user without the project permission', async () => {
      renderForEntity(<KargoEntityContent />, { api: tabApi(), grants: {} });
      const region = await screen.findByRole('region', {
        name: 'Warehouse guestbook',
      });
      const refresh = within(region).getByRole('button', {
        name: 'Refresh warehouse guestbook',
      });
      await waitFor(() =>
        expect(refresh.parentElement).toHaveAttribute(
          'title',
          `You are not allowed to refresh warehouses of project ${testProject()} (permission kargo.warehouse.refresh on ${testProject()}).`,
        ),
      );
      expect(refresh).toBeDisabled();
    });
  });

  describe('create freight', () => {
    const discoveredWarehouse = () => ({
      project: testProject(),
      name: 'guestbook',
      freightCreationPolicy: 'Manual' as const,
      lastDiscoveryAt: '2026-01-04T00:00:00Z',
      discovered: {
        discoveredAt: '2026-01-04T00:00:00Z',
        images: [
          {
            repoURL: 'ghcr.io/acme/app',
            references: [
              { tag: 'v1.5.0', digest: 'sha256:5' },
              { tag: 'v1.4.0', digest: 'sha256:4' },
            ],
          },
        ],
      },
    });

    it('creates freight from the chosen revision and reloads the freight', async () => {
      const api = tabApi({
        listWarehouses: jest
          .fn()
          .mockResolvedValue({ items: [discoveredWarehouse()] }),
        createFreight: jest.fn().mockResolvedValue(freight(9)),
      });
      renderForEntity(<KargoEntityContent />, { api });
      const region = await screen.findByRole('region', {
        name: 'Warehouse guestbook',
      });
      const open = within(region).getByRole('button', {
        name: 'Create freight from warehouse guestbook',
      });
      expect(open).toHaveTextContent('Create freight');
      await waitFor(() => expect(open).toBeEnabled());
      await userEvent.click(open);
      const dialog = await screen.findByRole('dialog', {
        name: 'Create freight from guestbook',
      });
      await userEvent.selectOptions(
        within(dialog).getByRole('combobox', {
          name: 'Image ghcr.io/acme/app',
        }),
        'v1.4.0',
      );
      const create = within(dialog).getByRole('button', { name: 'Create' });
      await waitFor(() => expect(create).toBeEnabled());
      const loads = api.listFreight.mock.calls.length;
      await userEvent.click(create);
      await waitFor(() =>
        expect(
          screen.queryByRole('dialog', {
            name: 'Create freight from guestbook',
          }),
        ).not.toBeInTheDocument(),
      );
      expect(
        await screen.findByText('Freight freight-9 created from guestbook'),
      ).toBeInTheDocument();
      expect(api.createFreight).toHaveBeenCalledTimes(1);
      expect(api.createFreight).toHaveBeenCalledWith(
        testProject(),
        'guestbook',
        { images: [{ repoURL: 'ghcr.io/acme/app', tag: 'v1.4.0' }] },
      );
      await waitFor(() =>
        expect(api.listFreight.mock.calls.length).toBeGreaterThan(loads),
      );
    });

    it('disables Create freight for a user who may not update the project', async () => {
      const api = tabApi({
        listWarehouses: jest
          .fn()
          .mockResolvedValue({ items: [discoveredWarehouse()] }),
      });
      renderForEntity(<KargoEntityContent />, {
        api,
        grants: { 'kargo.warehouse.refresh': ['*'] },
      });
      const region = await screen.findByRole('region', {
        name: 'Warehouse guestbook',
      });
      const open = within(region).getByRole('button', {
        name: 'Create freight from warehouse guestbook',
      });
      await waitFor(() =>
        expect(open.parentElement).toHaveAttribute(
          'title',
          `You are not allowed to create freight in project ${testProject()} (permission kargo.project.update on ${testProject()}).`,
        ),
      );
      expect(open).toBeDisabled();
      expect(
        within(region).getByRole('button', {
          name: 'Refresh warehouse guestbook',
        }),
      ).toBeEnabled();
    });

    it('offers no Create freight for a warehouse that discovered nothing', async () => {
      const api = tabApi({
        listWarehouses: jest.fn().mockResolvedValue({
          items: [
            { project: testProject(), name: 'guestbook' },
            {
              ...discoveredWarehouse(),
              name: 'empty',
              discovered: {
                discoveredAt: '2026-01-04T00:00:00Z',
                images: [{ repoURL: 'ghcr.io/acme/app', references: [] }],
              },
            },
            { ...discoveredWarehouse(), name: 'full' },
          ],
        }),
      });
      renderForEntity(<KargoEntityContent />, { api });
      await screen.findByRole('region', { name: 'Warehouse guestbook' });
      expect(
        screen.getByRole('button', {
          name: 'Create freight from warehouse full',
        }),
      ).toBeInTheDocument();
      expect(
        screen.queryByRole('button', {
          name: 'Create freight from warehouse guestbook',
        }),
      ).not.toBeInTheDocument();
      expect(
        screen.queryByRole('button', {
          name: 'Create freight from warehouse empty',
        }),
      ).not.toBeInTheDocument();
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
