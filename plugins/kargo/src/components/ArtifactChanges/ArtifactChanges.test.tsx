import { screen, within } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { freightRecord } from '../../__testUtils__';
import { ArtifactChanges } from './ArtifactChanges';

const rows = () =>
  within(screen.getByRole('table', { name: 'What changes' })).getAllByRole(
    'row',
  );

describe('ArtifactChanges', () => {
  it("lists each artifact's version before and after, the changed ones marked", () => {
    const current = freightRecord(1);
    const chosen = {
      ...freightRecord(3),
      commits: current.commits,
    };
    renderInTestApp(<ArtifactChanges current={current} chosen={chosen} />);
    const [head, image, commit] = rows();
    expect(head).toHaveTextContent(
      'ArtifactCurrent (freight-1)Chosen (freight-3)',
    );
    expect(image).toHaveTextContent('image ghcr.io/acme/appv1.1.0v1.3.0');
    expect(image).toHaveAttribute('data-changed', 'true');
    expect(within(image).getByText('v1.3.0').tagName).toBe('STRONG');
    expect(commit).toHaveTextContent(
      'commit https://git.example/app1abcdef1abcdef',
    );
    expect(commit).toHaveAttribute('data-changed', 'false');
  });

  it('compares against nothing for a stage without freight', () => {
    renderInTestApp(<ArtifactChanges chosen={freightRecord(2)} />);
    const [head, image] = rows();
    expect(head).toHaveTextContent('Current (none)');
    expect(image).toHaveTextContent('image ghcr.io/acme/app—v1.2.0');
  });

  it('says that promoting the current freight again changes nothing', () => {
    renderInTestApp(
      <ArtifactChanges current={freightRecord(2)} chosen={freightRecord(2)} />,
    );
    expect(
      screen.getByText(
        'The stage already runs freight-2: promoting it again changes no version.',
      ),
    ).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });
});
