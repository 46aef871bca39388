import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { KargoClient } from '@kargo-portal/plugin-kargo-common';
import { kargoApiRef } from './api';
import { isKargoAvailable } from './filters';

const kargoApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: kargoApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new KargoClient({ discoveryApi, fetchApi }),
    }),
});

/** The stage pipeline card on the overview of entities annotated `kargo/project`: `entity-card:kargo/pipeline`. */
const kargoPipelineCard = EntityCardBlueprint.make({
  name: 'pipeline',
  params: {
    filter: isKargoAvailable,
    loader: () =>
      import('./components/KargoPipelineCard').then(m => (
        <m.KargoPipelineCard />
      )),
  },
});

/** The "Kargo" tab of the same entities (freight timeline, promotions, warehouses): `entity-content:kargo`. */
const kargoEntityContent = EntityContentBlueprint.make({
  params: {
    path: 'kargo',
    title: 'Kargo',
    group: 'deployment',
    filter: isKargoAvailable,
    loader: () =>
      import('./components/KargoEntityContent').then(m => (
        <m.KargoEntityContent />
      )),
  },
});

/**
 * The Kargo frontend plugin for Backstage's new frontend system: the API, the entity card and the entity tab.
 *
 * @public
 */
export const kargoPlugin = createFrontendPlugin({
  pluginId: 'kargo',
  title: 'Kargo',
  info: { packageJson: () => import('../package.json') },
  extensions: [kargoApi, kargoPipelineCard, kargoEntityContent],
});
