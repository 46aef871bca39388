import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { freightRecord } from '../../__testUtils__';
import { FreightChoiceList } from './FreightChoiceList';

describe('FreightChoiceList', () => {
  it('offers each freight with its versions, age and note; disabled ones cannot be chosen', async () => {
    const onChange = jest.fn();
    renderInTestApp(
      <FreightChoiceList
        label="Freight to approve for prod"
        choices={[
          { freight: freightRecord(3) },
          {
            freight: freightRecord(2),
            note: 'already approved',
            disabled: true,
          },
          { freight: freightRecord(1), note: 'current' },
        ]}
        value={freightRecord(1).id}
        onChange={onChange}
      />,
    );
    const group = screen.getByRole('radiogroup', {
      name: 'Freight to approve for prod',
    });
    const radios = within(group).getAllByRole('radio');
    expect(radios.map(r => r.closest('label')?.textContent)).toEqual([
      expect.stringMatching(/^freight-3 \(v1\.3\.0, 3abcdef\) · created .+$/),
      expect.stringMatching(/freight-2 .* · already approved$/),
      expect.stringMatching(/freight-1 .* · current$/),
    ]);
    expect(radios[2]).toBeChecked();
    expect(radios[1]).toBeDisabled();
    await userEvent.click(radios[0]);
    expect(onChange).toHaveBeenCalledWith(freightRecord(3).id);
    expect(
      screen.queryByRole('button', { name: 'Load more' }),
    ).not.toBeInTheDocument();
  });

  it('loads more while there is more', async () => {
    const onLoadMore = jest.fn();
    renderInTestApp(
      <FreightChoiceList
        label="Eligible freight for dev"
        choices={[{ freight: freightRecord(3) }]}
        onChange={jest.fn()}
        hasMore
        onLoadMore={onLoadMore}
      />,
    );
    await userEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect(onLoadMore).toHaveBeenCalledTimes(1);
  });

  it('does not load more while a page loads', () => {
    renderInTestApp(
      <FreightChoiceList
        label="Eligible freight for dev"
        choices={[{ freight: freightRecord(3) }]}
        onChange={jest.fn()}
        hasMore
        loadingMore
        onLoadMore={jest.fn()}
      />,
    );
    expect(screen.getByRole('button', { name: 'Load more' })).toBeDisabled();
  });
});
