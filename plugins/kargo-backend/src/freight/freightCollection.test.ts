import { createHash } from 'node:crypto';
import {
  freightCollectionId,
  freightCollectionOf,
  updateOrPush,
} from './freightCollection';

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const warehouse = (name: string) => ({ kind: 'Warehouse', name });

describe('freight collections', () => {
  it("identifies a collection as Kargo does: SHA-1 of the sorted names joined with ','", () => {
    expect(freightCollectionId(['b', 'a', 'c'])).toBe(sha1('a,b,c'));
    expect(freightCollectionId(['only'])).toBe(sha1('only'));
    expect(freightCollectionId([])).toBe(sha1(''));
  });

  it('replaces only the freight of the pushed origin', () => {
    const first = updateOrPush({}, { origin: warehouse('app'), name: 'f1' });
    expect(first).toEqual({
      id: sha1('f1'),
      freight: { 'Warehouse/app': 'f1' },
    });
    const both = updateOrPush(first.freight, {
      origin: warehouse('gitops'),
      name: 'a9',
    });
    expect(both).toEqual({
      id: sha1('a9,f1'),
      freight: { 'Warehouse/app': 'f1', 'Warehouse/gitops': 'a9' },
    });
    const next = updateOrPush(both.freight, {
      origin: warehouse('app'),
      name: 'f2',
    });
    expect(next.freight).toEqual({
      'Warehouse/app': 'f2',
      'Warehouse/gitops': 'a9',
    });
    expect(next.id).toBe(sha1('a9,f2'));
    // The collection pushed to is left as it was.
    expect(both.freight['Warehouse/app']).toBe('f1');
  });

  it('lists the items ordered by origin', () => {
    expect(
      freightCollectionOf('x', {
        'Warehouse/gitops': 'a9',
        'Warehouse/app': 'f1',
      }),
    ).toEqual({
      id: 'x',
      items: [
        { origin: { kind: 'Warehouse', name: 'app' }, name: 'f1' },
        { origin: { kind: 'Warehouse', name: 'gitops' }, name: 'a9' },
      ],
    });
  });
});
