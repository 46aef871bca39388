import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { useApi } from '@backstage/frontend-plugin-api';
import { Pipeline } from '@kargo-portal/plugin-kargo-common';
import { kargoApiRef } from '../../api';

/** Loads a project's pipeline; `project` undefined means there is nothing to load. */
export function usePipeline(project: string | undefined) {
  const api = useApi(kargoApiRef);
  return useAsyncRetry<Pipeline | undefined>(
    async () => (project ? api.getPipeline(project) : undefined),
    [api, project],
  );
}
