import { screen, within } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { applicationHealth, stage, stageHealth } from '../../__testUtils__';
import { StageHealthCard } from './StageHealthCard';

describe('StageHealthCard', () => {
  it('lists each stage with health and its applications', async () => {
    await renderInTestApp(
      <StageHealthCard
        stages={[
          stage({
            name: 'dev',
            health: stageHealth('Unhealthy', [
              applicationHealth({
                name: 'guestbook-dev',
                cluster: 'kind',
                status: 'Unhealthy',
                healthStatus: 'Healthy',
                syncStatus: 'OutOfSync',
                message: 'synced to another revision than the promoted one',
              }),
            ]),
          }),
          stage({ name: 'staging' }),
          stage({
            name: 'prod',
            health: stageHealth('NotApplicable', []),
          }),
        ]}
      />,
    );
    const table = screen.getByRole('table', {
      name: 'Health of the stages and their Argo CD applications',
    });
    const dev = within(table).getByRole('row', { name: 'Health of dev' });
    expect(
      within(dev).getByRole('img', { name: 'health Unhealthy' }),
    ).toBeInTheDocument();
    const app = within(table).getByRole('row', {
      name: 'Argo CD application guestbook-dev of dev',
    });
    expect(app).toHaveTextContent('kind · argocd');
    expect(
      within(app).getByRole('img', { name: 'guestbook-dev Unhealthy' }),
    ).toBeInTheDocument();
    expect(app).toHaveTextContent('Argo CD: Healthy');
    expect(app).toHaveTextContent(
      'synced to another revision than the promoted one',
    );
    expect(app).toHaveTextContent('OutOfSync');
    expect(app).toHaveTextContent('a1b2c3d');
    expect(
      within(app).getByRole('link', {
        name: /^Open guestbook-dev in simulated Argo CD/,
      }),
    ).toHaveTextContent('simulated Argo CD');
    // A stage without health is not listed; one without apps is, with its status.
    expect(
      within(table).queryByRole('row', { name: 'Health of staging' }),
    ).toBeNull();
    expect(
      within(
        within(table).getByRole('row', { name: 'Health of prod' }),
      ).getByRole('img', { name: 'health NotApplicable' }),
    ).toBeInTheDocument();
  });

  it('renders nothing when no stage reports health', async () => {
    await renderInTestApp(
      <div data-testid="parent">
        <StageHealthCard stages={[stage({ name: 'dev' })]} />
      </div>,
    );
    expect(screen.getByTestId('parent')).toBeEmptyDOMElement();
  });
});
