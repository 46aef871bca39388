/**
 * The Kargo plugin for apps on Backstage's legacy frontend system.
 *
 * @packageDocumentation
 */

import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { KargoClient } from '@kargo-portal/plugin-kargo-common';
import { kargoApiRef } from './api';

/** The Kargo plugin for the legacy frontend system. @public */
export const kargoPlugin = createPlugin({
  id: 'kargo',
  apis: [
    createApiFactory({
      api: kargoApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new KargoClient({ discoveryApi, fetchApi }),
    }),
  ],
});

/** The stage pipeline card, for an entity page of the legacy frontend system. @public */
export const EntityKargoPipelineCard = kargoPlugin.provide(
  createComponentExtension({
    name: 'EntityKargoPipelineCard',
    component: {
      lazy: () =>
        import('./components/KargoPipelineCard').then(m => m.KargoPipelineCard),
    },
  }),
);

/**
 * The Kargo tab (freight timeline, promotions with their steps, warehouses), for an `EntityLayout.Route` of the
 * legacy frontend system, e.g. `<EntityLayout.Route path="/kargo" title="Kargo" if={isKargoAvailable}>`.
 *
 * @public
 */
export const EntityKargoContent = kargoPlugin.provide(
  createComponentExtension({
    name: 'EntityKargoContent',
    component: {
      lazy: () =>
        import('./components/KargoEntityContent').then(
          m => m.KargoEntityContent,
        ),
    },
  }),
);

export { kargoApiRef } from './api';
export { isKargoAvailable } from './filters';
