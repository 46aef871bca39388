import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FreightView } from '@kargo-portal/plugin-kargo-common';
import { CursorPages } from '../../hooks/useCursorPages';
import { stageOrigins } from '../../lib/stages';
import {
  Grants,
  MockKargoApi,
  freight,
  guestbookPipeline,
  mockKargoApi,
  promotion,
  renderForEntity,
  testProject,
  timelineFreight,
} from '../../__testUtils__';
import { FreightTimeline } from './FreightTimeline';

/** Pages as `useCursorPages` hands them over: everything loaded unless said otherwise. */
function pages(
  overrides: Partial<CursorPages<FreightView>> = {},
): CursorPages<FreightView> {
  return {
    items: timelineFreight(),
    initialLoading: false,
    loading: false,
    hasMore: false,
    loadMore: jest.fn(),
    reload: jest.fn(),
    ...overrides,
  };
}

function renderTimeline(
  options: {
    api?: MockKargoApi;
    grants?: Grants;
    freight?: CursorPages<FreightView>;
    onChanged?: () => void;
  } = {},
) {
  const { stages } = guestbookPipeline();
  renderForEntity(
    <FreightTimeline
      project={testProject()}
      stages={stages}
      origins={stageOrigins(stages)}
      freight={options.freight ?? pages()}
      onChanged={options.onChanged ?? jest.fn()}
    />,
    { api: options.api ?? mockKargoApi(), grants: options.grants },
  );
}

const cell = (name: string) => screen.getByRole('button', { name });

describe('FreightTimeline', () => {
  it('marks where each freight is, was, is verified and approved', async () => {
    renderTimeline();
    const table = screen.getByRole('table', { name: 'Freight timeline' });
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
    expect(cell('freight-1 in dev: was here, verified')).toBeInTheDocument();
    expect(cell('freight-3 in prod: approved')).toBeInTheDocument();
    expect(cell('freight-3 in dev: never here')).toBeInTheDocument();
  });

  it("opens a stage's drawer from its column", async () => {
    renderTimeline();
    await userEvent.click(
      screen.getByRole('button', { name: 'Details of staging' }),
    );
    const drawer = await screen.findByRole('dialog', { name: 'Stage staging' });
    expect(
      within(drawer).getByRole('region', { name: 'Verification of staging' }),
    ).toHaveTextContent('Not verified yet');
    await userEvent.click(
      within(drawer).getByRole('button', { name: 'Close' }),
    );
    await waitFor(() =>
      expect(
        screen.queryByRole('dialog', { name: 'Stage staging' }),
      ).toBeNull(),
    );
  });

  it('offers Load more while there are more pages', async () => {
    const loadMore = jest.fn();
    renderTimeline({
      freight: pages({ items: [freight(9)], hasMore: true, loadMore }),
    });
    expect(screen.getByText('1 freight shown')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect(loadMore).toHaveBeenCalledTimes(1);
  });

  it('shows an error of a further page under the freight already shown', async () => {
    renderTimeline({
      freight: pages({ error: new Error('connection reset') }),
    });
    expect(screen.getByText('3 freight shown')).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent(
      'Could not load more: connection reset',
    );
  });

  it('shows why no freight could be loaded', async () => {
    renderTimeline({
      freight: pages({ items: [], error: new Error('connection reset') }),
    });
    expect(screen.getByRole('alert')).toHaveTextContent(
      'Could not load freight: connection reset',
    );
    expect(
      screen.queryByRole('table', { name: 'Freight timeline' }),
    ).not.toBeInTheDocument();
  });

  it('promotes the selected freight to the selected stage', async () => {
    const api = mockKargoApi({
      promote: jest
        .fn()
        .mockResolvedValue(
          promotion({ id: 'p3', stage: 'staging', phase: 'Pending' }),
        ),
    });
    const onChanged = jest.fn();
    renderTimeline({ api, onChanged });
    await userEvent.click(cell('freight-2 in staging: never here'));
    const selection = screen.getByRole('region', {
      name: 'Selected freight',
    });
    expect(selection).toHaveTextContent('freight-2');
    expect(selection).toHaveTextContent('in staging: never here');
    expect(cell('freight-2 in staging: never here')).toHaveAttribute(
      'aria-pressed',
      'true',
    );
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
    await userEvent.click(submit);
    await waitFor(() =>
      expect(api.promote).toHaveBeenCalledWith(
        testProject(),
        'staging',
        freight(2).id,
      ),
    );
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(1));
    // The freight was chosen in the timeline: the dialog lists none.
    expect(api.listFreight).not.toHaveBeenCalled();
    await waitFor(() =>
      expect(
        screen.queryByRole('dialog', { name: 'Promote to staging' }),
      ).not.toBeInTheDocument(),
    );
  });

  it('approves the selected freight for the selected stage', async () => {
    const api = mockKargoApi({
      approveFreight: jest.fn().mockResolvedValue(freight(1)),
    });
    const onChanged = jest.fn();
    renderTimeline({ api, onChanged });
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
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(1));
  });

  it('says why freight already in or approved for a stage cannot be promoted or approved again', async () => {
    renderTimeline();
    await userEvent.click(cell('freight-2 in dev: current, verified'));
    const promote = screen.getByRole('button', { name: 'Promote to dev' });
    await waitFor(() =>
      expect(promote.parentElement).toHaveAttribute(
        'title',
        'freight-2 is already in dev.',
      ),
    );
    expect(promote).toBeDisabled();
    await userEvent.click(cell('freight-3 in prod: approved'));
    const approve = screen.getByRole('button', { name: 'Approve for prod' });
    await waitFor(() =>
      expect(approve.parentElement).toHaveAttribute(
        'title',
        'freight-3 is already approved for prod.',
      ),
    );
    expect(approve).toBeDisabled();
    await userEvent.click(
      screen.getByRole('button', { name: 'Clear selection' }),
    );
    expect(
      screen.queryByRole('region', { name: 'Selected freight' }),
    ).not.toBeInTheDocument();
  });

  it('disables the actions of a denied user with the reason', async () => {
    renderTimeline({
      grants: {
        'kargo.stage.promote': ['dev', 'staging'],
        'kargo.freight.approve': ['dev', 'staging'],
      },
    });
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
    renderTimeline({ freight: pages({ items: [] }) });
    expect(screen.getByText('No freight yet')).toBeInTheDocument();
    expect(
      screen.getByText(/Freight appears when a warehouse discovers/),
    ).toBeInTheDocument();
  });
});
