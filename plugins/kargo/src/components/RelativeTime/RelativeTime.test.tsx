import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { absoluteTime } from '../../lib/time';
import { RelativeTime } from './RelativeTime';

describe('RelativeTime', () => {
  it('says how long ago, with the machine-readable time and the exact time in a tooltip', async () => {
    const at = new Date(Date.now() - 5 * 60_000).toISOString();
    renderInTestApp(<RelativeTime value={at} />);
    const time = screen.getByText('5 minutes ago');
    expect(time.tagName).toBe('TIME');
    expect(time).toHaveAttribute('datetime', at);
    await userEvent.hover(time);
    expect(await screen.findByRole('tooltip')).toHaveTextContent(
      absoluteTime(at),
    );
  });

  it('shows a value that is no time as it is', () => {
    renderInTestApp(<RelativeTime value="soon" />);
    expect(screen.getByText('soon')).toBeInTheDocument();
  });
});
