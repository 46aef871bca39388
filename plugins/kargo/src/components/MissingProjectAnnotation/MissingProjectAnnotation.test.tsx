import { screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { MissingProjectAnnotation } from './MissingProjectAnnotation';

describe('MissingProjectAnnotation', () => {
  it('shows how to name a Kargo project, and optionally its warehouses', async () => {
    renderInTestApp(<MissingProjectAnnotation />);
    expect(screen.getByText('No Kargo project')).toBeInTheDocument();
    expect(
      screen.getByText(
        "Add the kargo/project annotation to this entity's catalog-info.yaml to see its promotion pipeline.",
      ),
    ).toBeInTheDocument();
    expect(
      await screen.findByText(/kargo\/project: my-project/),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/# kargo\/warehouses: my-warehouse/),
    ).toBeInTheDocument();
  });
});
