import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
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

/**
 * The Kargo frontend plugin for Backstage's new frontend system.
 *
 * @public
 */
export const kargoPlugin = createFrontendPlugin({
  pluginId: 'kargo',
  title: 'Kargo',
  info: { packageJson: () => import('../package.json') },
  extensions: [kargoApi, kargoPipelineCard],
});
