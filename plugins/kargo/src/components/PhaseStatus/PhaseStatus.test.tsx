import { screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { PhaseStatus } from './PhaseStatus';

describe('PhaseStatus', () => {
  it.each([
    ['Succeeded', 'ok'],
    ['Failed', 'error'],
    ['Errored', 'error'],
    ['Aborted', 'aborted'],
    ['Skipped', 'aborted'],
    ['Pending', 'pending'],
    ['Running', 'running'],
    ['Healthy', 'ok'],
    ['Progressing', 'running'],
    ['Unhealthy', 'error'],
    ['NotApplicable', 'aborted'],
    ['Unknown', 'warning'],
    ['Whatever', 'warning'],
  ])('shows %s with the %s status', (phase, status) => {
    renderInTestApp(<PhaseStatus phase={phase} />);
    const img = screen.getByRole('img', { name: phase });
    expect(img).toHaveTextContent(phase);
    expect(
      img.querySelector(`[aria-label="Status ${status}"]`),
    ).toBeInTheDocument();
  });

  it('announces its label instead of the phase when given one', () => {
    renderInTestApp(
      <PhaseStatus phase="Running" label="promotion Running" size="small" />,
    );
    expect(
      screen.getByRole('img', { name: 'promotion Running' }),
    ).toHaveTextContent('promotion Running');
  });
});
