import { useCallback, useEffect, useMemo } from 'react';
import { useApi } from '@backstage/frontend-plugin-api';
import { useSignal } from '@backstage/plugin-signals-react';
import { Pipeline } from '@kargo-portal/plugin-kargo-common';
import { kargoApiRef } from '../api';
import {
  isActivePhase,
  isHealthSettling,
  isVerificationActive,
} from '../lib/stages';
import { Loaded, useLoader } from './useLoader';
import { usePolling } from './usePolling';

/** The Backstage signal channel on which the backend announces changes of a project (such as stage health). */
export function projectSignalChannel(project: string): string {
  return `kargo:project:${project}`;
}

/**
 * Loads a project's pipeline and keeps it fresh. Polling with backoff while any stage's last promotion is
 * Pending or Running. Health and verification changes (`stage-health`, `stage-verification`) arrive as Backstage
 * signals when the app has the signals plugin (each one reloads); without it, polling also runs while a stage's
 * health is settling after a promotion (Progressing or Unknown) and while a verification is Pending or Running.
 * Nothing is polled otherwise. `project` undefined loads nothing.
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
  const { reload } = state;

  const { lastSignal, isSignalsAvailable } = useSignal(
    projectSignalChannel(project ?? ''),
  );
  useEffect(() => {
    if (project && lastSignal) reload();
  }, [project, lastSignal, reload]);

  // What changes while promotions run (their phases and step statuses) and, without signals, while health
  // settles. New progress resets the backoff.
  const progressKey = useMemo(
    () =>
      (state.value?.stages ?? [])
        .flatMap(stage => {
          const p = stage.lastPromotion;
          const keys =
            p && isActivePhase(p.phase)
              ? [
                  `${p.id}:${p.phase}:${p.steps
                    .map(step => step.status)
                    .join()}`,
                ]
              : [];
          if (!isSignalsAvailable && isHealthSettling(stage)) {
            keys.push(`${stage.name}:${stage.health?.status}`);
          }
          const verification = stage.verification;
          if (
            !isSignalsAvailable &&
            verification &&
            isVerificationActive(verification.phase)
          ) {
            keys.push(
              `${stage.name}:${verification.id}:${verification.phase}:${verification.measurements.length}`,
            );
          }
          return keys;
        })
        .join(';'),
    [state.value, isSignalsAvailable],
  );
  usePolling({
    active: progressKey !== '',
    loading: state.loading,
    loadCount: state.loadCount,
    refresh: reload,
    progressKey,
  });
  return state;
}
