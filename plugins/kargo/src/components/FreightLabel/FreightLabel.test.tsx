import { screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { freightRecord } from '../../__testUtils__';
import { FreightLabel } from './FreightLabel';

describe('FreightLabel', () => {
  it('names a freight by its alias and versions, with its id as the title', () => {
    const freight = freightRecord(2);
    renderInTestApp(<FreightLabel freight={freight} />);
    const label = screen.getByTitle(freight.id);
    expect(label).toHaveTextContent('freight-2 (v1.2.0, 2abcdef)');
    expect(screen.getByText('freight-2').tagName).toBe('STRONG');
  });

  it('shows the alias alone for a freight without artifacts', () => {
    const freight = { ...freightRecord(3), images: [], commits: [] };
    renderInTestApp(<FreightLabel freight={freight} variant="caption" />);
    expect(screen.getByTitle(freight.id).textContent).toBe('freight-3');
  });
});
