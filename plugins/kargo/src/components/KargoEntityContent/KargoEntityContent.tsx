import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import Grid from '@material-ui/core/Grid';
import Alert from '@material-ui/lab/Alert';
import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { Pipeline } from '@kargo-portal/plugin-kargo-common';
import { kargoApiRef } from '../../api';
import { useCursorPages } from '../../hooks/useCursorPages';
import { useKargoEntity } from '../../hooks/useKargoEntity';
import { useOnChange } from '../../hooks/useOnChange';
import { usePipeline } from '../../hooks/usePipeline';
import { errorMessage } from '../../lib/errors';
import { narrowStages, shownHealth, stageOrigins } from '../../lib/stages';
import { MissingProjectAnnotation } from '../MissingProjectAnnotation';
import { NoStages } from '../NoStages';
import { ProjectLoadError } from '../ProjectLoadError';
import { FreightTimeline } from '../FreightTimeline';
import { PromotionHistory } from '../PromotionHistory';
import { StageHealthCard } from '../StageHealthCard';
import { WarehousesCard } from '../WarehousesCard';

const FREIGHT_PAGE = 25;

/** What changes in the pipeline when freight moves: current freight, last promotions, eligibility. */
function pipelineState(pipeline: Pipeline | undefined): string {
  return (pipeline?.stages ?? [])
    .map(
      s =>
        `${s.name}:${s.currentFreight?.id ?? ''}:${s.lastPromotion?.id ?? ''}:${
          s.lastPromotion?.phase ?? ''
        }:${s.eligibleFreightCount}`,
    )
    .join(';');
}

/**
 * The Kargo tab of an entity: the freight timeline (freight by stage), the stages' health and Argo CD
 * applications, the promotion history with each promotion's steps, and the warehouses' discovery status. Everything refreshes after an action and while a
 * promotion runs.
 *
 * @public
 */
export function KargoEntityContent() {
  const { project, warehouses: narrowTo } = useKargoEntity();
  const api = useApi(kargoApiRef);
  const pipeline = usePipeline(project);
  const [refreshToken, setRefreshToken] = useState(0);
  const bump = useCallback(() => setRefreshToken(t => t + 1), []);
  // Polling the pipeline notices promotions progressing; the other views follow it (not on the first load: they
  // load by themselves).
  const state = pipeline.value ? pipelineState(pipeline.value) : undefined;
  const lastState = useRef(state);
  useEffect(() => {
    if (state === undefined) return;
    if (lastState.current !== undefined && lastState.current !== state) bump();
    lastState.current = state;
  }, [state, bump]);

  const loadFreight = useCallback(
    (cursor?: string) =>
      project
        ? api.listFreight(project, {
            origins: narrowTo,
            limit: FREIGHT_PAGE,
            cursor,
          })
        : Promise.resolve({ items: [] }),
    [api, project, narrowTo],
  );
  const freight = useCursorPages(
    loadFreight,
    `${project}:${narrowTo?.join() ?? ''}`,
  );
  useOnChange(refreshToken, freight.reload);
  const freightNames = useMemo(
    () => new Map(freight.items.map(f => [f.id, f.alias])),
    [freight.items],
  );

  const all = pipeline.value?.stages;
  const stages = useMemo(
    () => narrowStages(all ?? [], narrowTo),
    [all, narrowTo],
  );
  const origins = useMemo(() => stageOrigins(all ?? []), [all]);

  const changed = useCallback(() => {
    pipeline.reload();
    bump();
  }, [pipeline, bump]);

  if (!project) return <MissingProjectAnnotation />;
  if (!pipeline.value && pipeline.loading) return <Progress />;
  if (!pipeline.value) {
    return (
      <ProjectLoadError
        project={project}
        error={pipeline.error ?? new Error('No pipeline')}
      />
    );
  }
  if (stages.length === 0) {
    return (
      <NoStages
        project={project}
        narrowTo={narrowTo}
        warehouses={pipeline.value.warehouses}
      />
    );
  }
  return (
    <Grid container spacing={3}>
      {pipeline.error && (
        <Grid item xs={12}>
          <Alert severity="warning">
            Could not refresh the pipeline: {errorMessage(pipeline.error)}
          </Alert>
        </Grid>
      )}
      <Grid item xs={12}>
        <FreightTimeline
          project={project}
          stages={stages}
          origins={origins}
          freight={freight}
          onChanged={changed}
        />
      </Grid>
      {stages.some(s => shownHealth(s)) && (
        <Grid item xs={12}>
          <StageHealthCard stages={stages} />
        </Grid>
      )}
      <Grid item xs={12} xl={8}>
        <PromotionHistory
          project={project}
          stages={stages}
          freightNames={freightNames}
          refreshToken={refreshToken}
          onChanged={changed}
        />
      </Grid>
      <Grid item xs={12} xl={4}>
        <WarehousesCard
          project={project}
          only={narrowTo}
          refreshToken={refreshToken}
          onFreightCreated={changed}
        />
      </Grid>
    </Grid>
  );
}
