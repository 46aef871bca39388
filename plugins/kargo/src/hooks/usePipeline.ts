import { useCallback, useMemo } from 'react';
import { useApi } from '@backstage/frontend-plugin-api';
import { Pipeline } from '@kargo-portal/plugin-kargo-common';
import { kargoApiRef } from '../api';
import { isActivePhase } from '../lib/stages';
import { Loaded, useLoader } from './useLoader';
import { usePolling } from './usePolling';

/**
 * Loads a project's pipeline and keeps it fresh while a promotion runs: polling with backoff while any stage's
 * last promotion is Pending or Running, none otherwise. `project` undefined loads nothing.
 */
export function usePipeline(
  project: string | undefined,
): Loaded<Pipeline | undefined> {
  const api = useApi(kargoApiRef);
  const load = useCallback(
    async () => (project ? api.getPipeline(project) : undefined),
    [api, project],
  );
  const state = useLoader(load, project ?? '');

  // What changes while promotions run: their phases and step statuses. New progress resets the backoff.
  const progressKey = useMemo(
    () =>
      (state.value?.stages ?? [])
        .flatMap(({ lastPromotion: p }) =>
          p && isActivePhase(p.phase)
            ? [`${p.id}:${p.phase}:${p.steps.map(step => step.status).join()}`]
            : [],
        )
        .join(';'),
    [state.value],
  );
  usePolling({
    active: progressKey !== '',
    loading: state.loading,
    loadCount: state.loadCount,
    refresh: state.reload,
    progressKey,
  });
  return state;
}
