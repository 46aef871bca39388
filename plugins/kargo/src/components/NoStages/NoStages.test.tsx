import { screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { NoStages } from './NoStages';

describe('NoStages', () => {
  it('says that the project has no stages yet', () => {
    renderInTestApp(
      <NoStages project="guestbook" warehouses={['guestbook']} />,
    );
    expect(screen.getByText('No stages')).toBeInTheDocument();
    expect(
      screen.getByText(
        'Kargo project "guestbook" has no stages yet: add Stage manifests to it.',
      ),
    ).toBeInTheDocument();
  });

  it.each([
    [['guestbook', 'api'], '(guestbook, api)'],
    [[], '(none)'],
  ])(
    'points at the kargo/warehouses annotation that leaves no stage (warehouses %j)',
    (warehouses, listed) => {
      renderInTestApp(
        <NoStages
          project="guestbook"
          narrowTo={['payments', 'billing']}
          warehouses={warehouses}
        />,
      );
      expect(
        screen.getByText(
          `No stage of Kargo project "guestbook" takes freight from payments, billing: check the kargo/warehouses annotation against the project's warehouses ${listed}.`,
        ),
      ).toBeInTheDocument();
    },
  );
});
