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
            name: 'qa',
            health: stageHealth('NotApplicable', []),
          }),
          stage({
            name: 'prod',
            // An app only the stage's argocd-context names: no health of its own, but a link.
            health: stageHealth('NotApplicable', [
              applicationHealth({
                name: 'guestbook-prod',
                status: 'NotApplicable',
                healthStatus: undefined,
                syncStatus: undefined,
                revision: undefined,
              }),
            ]),
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
      within(app).getByRole('img', { name: 'Unhealthy' }),
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
    // A stage without health, or NotApplicable without apps, is not listed; one with an app is.
    for (const name of ['staging', 'qa']) {
      expect(
        within(table).queryByRole('row', { name: `Health of ${name}` }),
      ).toBeNull();
    }
    expect(
      within(
        within(table).getByRole('row', {
          name: 'Argo CD application guestbook-prod of prod',
        }),
      ).getByRole('link', {
        name: /^Open guestbook-prod in simulated Argo CD/,
      }),
    ).toBeInTheDocument();
    expect(
      within(
        within(table).getByRole('row', { name: 'Health of prod' }),
      ).getByRole('img', { name: 'health NotApplicable' }),
    ).toBeInTheDocument();
  });

  it('renders nothing when no stage has an application to report on', async () => {
    await renderInTestApp(
      <div data-testid="parent">
        <StageHealthCard
          stages={[
            stage({ name: 'dev' }),
            stage({
              name: 'staging',
              health: stageHealth('NotApplicable', []),
            }),
          ]}
        />
      </div>,
    );
    expect(screen.getByTestId('parent')).toBeEmptyDOMElement();
  });
});
