import { useState } from 'react';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  MockKargoApi,
  freight,
  guestbookPipeline,
  mockKargoApi,
  promotion,
  renderForEntity,
  testProject,
} from '../../__testUtils__';
import { PromotionHistory } from './PromotionHistory';

const freightNames = () =>
  new Map([1, 2, 3].map(n => [freight(n).id, freight(n).alias]));

/** The history with a button that bumps its refresh token, as the Kargo tab does after an action. */
function Harness() {
  const [token, setToken] = useState(0);
  return (
    <>
      <button onClick={() => setToken(t => t + 1)}>Bump</button>
      <PromotionHistory
        project={testProject()}
        stages={guestbookPipeline().stages}
        freightNames={freightNames()}
        refreshToken={token}
        onChanged={jest.fn()}
      />
    </>
  );
}

function renderHistory(api: MockKargoApi) {
  renderForEntity(<Harness />, { api });
}

describe('PromotionHistory', () => {
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
    renderHistory(mockKargoApi({ listPromotions }));
    const table = await screen.findByRole('table', { name: 'Promotions' });
    expect(listPromotions).toHaveBeenCalledWith(testProject(), {
      stage: undefined,
      limit: 20,
      cursor: undefined,
    });
    expect(within(table).getAllByRole('row')[1]).toHaveTextContent(
      'devfreight-2Succeededuser:default/guest',
    );
    const card = table.closest('.MuiCard-root') as HTMLElement;
    await userEvent.click(
      within(card).getByRole('button', { name: 'Load more' }),
    );
    expect(await within(card).findByText('Failed')).toBeInTheDocument();
    expect(within(card).getByText('2 promotions shown')).toBeInTheDocument();
    expect(listPromotions).toHaveBeenLastCalledWith(testProject(), {
      stage: undefined,
      limit: 20,
      cursor: 'older',
    });

    await userEvent.click(within(card).getByRole('button', { name: /Stage/ }));
    await userEvent.click(
      await screen.findByRole('option', { name: 'staging' }),
    );
    expect(await screen.findByText('No promotions yet')).toBeInTheDocument();
    expect(screen.getByText('No promotion to staging yet.')).toBeVisible();
    expect(listPromotions).toHaveBeenLastCalledWith(testProject(), {
      stage: 'staging',
      limit: 20,
      cursor: undefined,
    });
  });

  it('marks rollbacks', async () => {
    const listPromotions = jest.fn().mockResolvedValue({
      items: [
        promotion({
          id: 'p3',
          freight: freight(1).id,
          rollback: true,
          createdBy: 'system:kargo/auto-rollback',
        }),
        promotion({ id: 'p2', freight: freight(2).id }),
      ],
    });
    renderHistory(mockKargoApi({ listPromotions }));
    const table = await screen.findByRole('table', { name: 'Promotions' });
    const rows = within(table).getAllByRole('row');
    expect(rows[1]).toHaveTextContent(
      'devfreight-1Succeededrollbacksystem:kargo/auto-rollback',
    );
    expect(rows[2]).not.toHaveTextContent('rollback');
  });

  it('names freight it does not know by its short id', async () => {
    const unknown = 'f'.repeat(40);
    renderHistory(
      mockKargoApi({
        listPromotions: jest.fn().mockResolvedValue({
          items: [promotion({ freight: unknown, createdBy: undefined })],
        }),
      }),
    );
    expect(
      await screen.findByRole('button', {
        name: 'Steps of the promotion of fffffff to dev',
      }),
    ).toBeInTheDocument();
    expect(screen.getAllByRole('row')[1]).toHaveTextContent('—');
  });

  it("opens a promotion's steps in a drawer and closes it", async () => {
    const p9 = promotion({
      id: 'p9',
      stage: 'staging',
      freight: freight(2).id,
      phase: 'Failed',
    });
    const api = mockKargoApi({
      listPromotions: jest.fn().mockResolvedValue({ items: [p9] }),
      getPromotion: jest.fn().mockResolvedValue(p9),
    });
    renderHistory(api);
    await userEvent.click(
      await screen.findByRole('button', {
        name: 'Steps of the promotion of freight-2 to staging',
      }),
    );
    const drawer = await screen.findByRole('dialog', {
      name: 'Promotion p9',
    });
    expect(api.getPromotion).toHaveBeenCalledWith(testProject(), 'p9');
    await userEvent.click(
      within(drawer).getByRole('button', { name: 'Close' }),
    );
    await waitFor(() =>
      expect(
        screen.queryByRole('dialog', { name: 'Promotion p9' }),
      ).not.toBeInTheDocument(),
    );
  });

  it('reloads the first page when the refresh token changes', async () => {
    const listPromotions = jest
      .fn()
      .mockResolvedValueOnce({ items: [promotion({ id: 'p1' })] })
      .mockResolvedValue({
        items: [
          promotion({ id: 'p2', stage: 'staging', phase: 'Running' }),
          promotion({ id: 'p1' }),
        ],
      });
    const api = mockKargoApi({ listPromotions });
    renderHistory(api);
    expect(await screen.findByText('1 promotions shown')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Bump' }));
    expect(await screen.findByText('2 promotions shown')).toBeInTheDocument();
    expect(listPromotions).toHaveBeenCalledTimes(2);
    expect(listPromotions).toHaveBeenLastCalledWith(testProject(), {
      stage: undefined,
      limit: 20,
      cursor: undefined,
    });
  });
});
