import { screen, within } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { applicationHealth, stageHealth } from '../../__testUtils__';
import { StageHealthSummary } from './StageHealthSummary';

describe('StageHealthSummary', () => {
  it('shows the health as icon and text, and each app with health, sync, short revision and link', async () => {
    await renderInTestApp(
      <StageHealthSummary
        stage="dev"
        health={stageHealth(
          'Progressing',
          [
            applicationHealth({
              name: 'guestbook-dev',
              status: 'Progressing',
              healthStatus: 'Progressing',
            }),
            applicationHealth({
              name: 'guestbook-dev-db',
              revision: 'v1.2.0',
              link: undefined,
            }),
          ],
          { message: 'guestbook-dev is Progressing' },
        )}
      />,
    );
    const group = screen.getByRole('group', { name: 'Health of dev' });
    const status = within(group).getByRole('img', {
      name: 'health Progressing',
    });
    expect(status).toHaveTextContent('health Progressing');
    // An icon as well as the text: the status is never told by color alone.
    expect(
      status.querySelector('[aria-label="Status running"]'),
    ).toBeInTheDocument();
    // Progressing explains itself through its apps: the reason is a tooltip.
    expect(group).not.toHaveTextContent('guestbook-dev is Progressing');
    expect(
      within(group).getByTitle('guestbook-dev is Progressing'),
    ).toContainElement(status);

    const apps = within(group).getByRole('list', {
      name: 'Argo CD applications of dev',
    });
    const app = within(apps).getByRole('listitem', {
      name: 'Argo CD application guestbook-dev',
    });
    expect(
      within(app).getByRole('img', { name: 'Progressing' }),
    ).toBeInTheDocument();
    expect(app).toHaveTextContent('Synced at a1b2c3d');
    const link = within(app).getByRole('link', {
      name: /^Open guestbook-dev in simulated Argo CD/,
    });
    expect(link).toHaveAttribute(
      'href',
      'https://argocd.example.com/applications/argocd/guestbook-dev',
    );
    expect(link).toHaveTextContent('simulated Argo CD');

    const other = within(apps).getByRole('listitem', {
      name: 'Argo CD application guestbook-dev-db',
    });
    expect(other).toHaveTextContent('Synced at v1.2.0');
    expect(within(other).queryByRole('link')).toBeNull();
  });

  it('shows why a stage is Unhealthy', async () => {
    await renderInTestApp(
      <StageHealthSummary
        stage="dev"
        health={stageHealth(
          'Unhealthy',
          [applicationHealth({ name: 'guestbook-dev', status: 'Unhealthy' })],
          { message: 'guestbook-dev is Degraded' },
        )}
      />,
    );
    expect(
      screen.getByRole('group', { name: 'Health of dev' }),
    ).toHaveTextContent('guestbook-dev is Degraded');
  });

  it('shows a missing app without sync status, and no reason when Healthy', async () => {
    await renderInTestApp(
      <StageHealthSummary
        stage="prod"
        health={stageHealth(
          'Healthy',
          [
            applicationHealth({
              name: 'guestbook-prod',
              syncStatus: undefined,
              revision: undefined,
            }),
          ],
          { message: 'all applications are Healthy' },
        )}
      />,
    );
    const group = screen.getByRole('group', { name: 'Health of prod' });
    expect(group).not.toHaveTextContent('all applications are Healthy');
    const app = within(group).getByRole('listitem', {
      name: 'Argo CD application guestbook-prod',
    });
    expect(app).not.toHaveTextContent('Synced');
    expect(app).not.toHaveTextContent(' at ');
  });
});
