import { screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { responseError } from '../../__testUtils__';
import { InlineError } from './InlineError';

describe('InlineError', () => {
  it.each([
    [400, 'InputError', 'The request was refused (400): bad input'],
    [403, 'NotAllowedError', 'Not allowed (403): bad input'],
    [404, 'NotFoundError', 'Not found (404): bad input'],
    [409, 'ConflictError', 'Conflict (409): bad input'],
    [500, 'Error', 'bad input'],
  ])('titles a %i answer of the backend', async (status, name, text) => {
    renderInTestApp(
      <InlineError
        error={await responseError(status, name, 'bad input')}
        prefix="Refused"
      />,
    );
    expect(screen.getByRole('alert')).toHaveTextContent(`Refused: ${text}`);
  });

  it('shows any other error by its message, without a prefix when none is given', () => {
    renderInTestApp(<InlineError error={new TypeError('Failed to fetch')} />);
    expect(screen.getByRole('alert').textContent).toBe('Failed to fetch');
  });
});
