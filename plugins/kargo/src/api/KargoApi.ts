import { createApiRef } from '@backstage/frontend-plugin-api';
import { KargoApi } from '@kargo-portal/plugin-kargo-common';

/** Reference to the Kargo backend client. @public */
export const kargoApiRef = createApiRef<KargoApi>({ id: 'plugin.kargo.api' });
