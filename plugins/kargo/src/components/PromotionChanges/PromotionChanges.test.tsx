import { screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import {
  freightRecord,
  guestbookPipeline,
  responseError,
} from '../../__testUtils__';
import { PromotionChanges } from './PromotionChanges';

const dev = () => guestbookPipeline().stages[0]; // runs freight-2

describe('PromotionChanges', () => {
  it('shows what promoting the chosen freight changes in the stage', () => {
    renderInTestApp(
      <PromotionChanges
        stage={dev()}
        chosen={freightRecord(3)}
        error={undefined}
        refusal="Promotion refused"
      />,
    );
    expect(screen.getByText('What changes in dev')).toBeInTheDocument();
    expect(
      screen.getByRole('table', { name: 'What changes' }),
    ).toHaveTextContent('v1.2.0v1.3.0');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('shows nothing before a freight is chosen', () => {
    renderInTestApp(
      <PromotionChanges
        stage={dev()}
        error={undefined}
        refusal="Promotion refused"
      />,
    );
    expect(screen.queryByText('What changes in dev')).not.toBeInTheDocument();
  });

  it("shows the backend's refusal", async () => {
    renderInTestApp(
      <PromotionChanges
        stage={dev()}
        chosen={freightRecord(3)}
        error={await responseError(409, 'ConflictError', 'not eligible')}
        refusal="Rollback refused"
      />,
    );
    expect(screen.getByRole('alert')).toHaveTextContent(
      'Rollback refused: Conflict (409): not eligible',
    );
  });
});
