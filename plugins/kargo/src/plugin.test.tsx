import { coreExtensionData } from '@backstage/frontend-plugin-api';
import { createExtensionTester } from '@backstage/frontend-test-utils';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { kargoPlugin } from './plugin';
import { entityWith } from './__testUtils__';

const annotated = entityWith({ 'kargo/project': 'guestbook' });
const plain = entityWith();

describe('kargoPlugin', () => {
  it('adds the Kargo tab at /kargo for entities with a Kargo project', () => {
    const tester = createExtensionTester(
      kargoPlugin.getExtension('entity-content:kargo'),
    );
    expect(tester.get(coreExtensionData.routePath)).toBe('kargo');
    expect(tester.get(EntityContentBlueprint.dataRefs.title)).toBe('Kargo');
    const filter = tester.get(EntityContentBlueprint.dataRefs.filterFunction);
    expect(filter?.(annotated)).toBe(true);
    expect(filter?.(plain)).toBe(false);
  });

  it('adds the pipeline card for entities with a Kargo project', () => {
    const tester = createExtensionTester(
      kargoPlugin.getExtension('entity-card:kargo/pipeline'),
    );
    const filter = tester.get(EntityCardBlueprint.dataRefs.filterFunction);
    expect(filter?.(annotated)).toBe(true);
    expect(filter?.(plain)).toBe(false);
  });

  it('provides the Kargo API', () => {
    expect(kargoPlugin.getExtension('api:kargo')).toBeDefined();
  });
});
