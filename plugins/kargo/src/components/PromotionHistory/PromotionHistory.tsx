import { useCallback, useState } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import MenuItem from '@material-ui/core/MenuItem';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { EmptyState, InfoCard, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { PipelineStage } from '@kargo-portal/plugin-kargo-common';
import { kargoApiRef } from '../../api';
import { useCursorPages } from '../../hooks/useCursorPages';
import { useOnChange } from '../../hooks/useOnChange';
import { InlineError } from '../InlineError';
import { PhaseStatus } from '../PhaseStatus';
import { RelativeTime } from '../RelativeTime';
import { PromotionDrawer } from '../PromotionDrawer';

const PAGE = 20;
const ALL = '*';

/** Props of {@link PromotionHistory}. */
export interface PromotionHistoryProps {
  project: string;
  stages: PipelineStage[];
  freightNames: Map<string, string>;
  refreshToken: number;
  onChanged: () => void;
}

/** The project's promotions, newest first and paged, filterable by stage; a row opens its steps. */
export function PromotionHistory(props: PromotionHistoryProps) {
  const { project, stages, freightNames, refreshToken, onChanged } = props;
  const api = useApi(kargoApiRef);
  const [stage, setStage] = useState(ALL);
  const [open, setOpen] = useState<string>();
  const load = useCallback(
    (cursor?: string) =>
      api.listPromotions(project, {
        stage: stage === ALL ? undefined : stage,
        limit: PAGE,
        cursor,
      }),
    [api, project, stage],
  );
  const pages = useCursorPages(load, `${project}/${stage}`);
  useOnChange(refreshToken, pages.reload);

  let body;
  if (pages.initialLoading) {
    body = <Progress />;
  } else if (pages.error && pages.items.length === 0) {
    body = (
      <InlineError error={pages.error} prefix="Could not load promotions" />
    );
  } else if (pages.items.length === 0) {
    body = (
      <EmptyState
        missing="data"
        title="No promotions yet"
        description={
          stage === ALL
            ? 'Promote a freight to a stage to start one.'
            : `No promotion to ${stage} yet.`
        }
      />
    );
  } else {
    body = (
      <>
        <Table size="small" aria-label="Promotions">
          <TableHead>
            <TableRow>
              <TableCell>Stage</TableCell>
              <TableCell>Freight</TableCell>
              <TableCell>Phase</TableCell>
              <TableCell>Requested by</TableCell>
              <TableCell>Created</TableCell>
              <TableCell>Finished</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {pages.items.map(p => (
              <TableRow
                key={p.id}
                hover
                onClick={() => setOpen(p.id)}
                style={{ cursor: 'pointer' }}
              >
                <TableCell>{p.stage}</TableCell>
                <TableCell>
                  <Button
                    size="small"
                    style={{ textTransform: 'none' }}
                    aria-label={`Steps of the promotion of ${
                      freightNames.get(p.freight) ?? p.freight.slice(0, 7)
                    } to ${p.stage}`}
                    onClick={e => {
                      e.stopPropagation();
                      setOpen(p.id);
                    }}
                  >
                    {freightNames.get(p.freight) ?? p.freight.slice(0, 7)}
                  </Button>
                </TableCell>
                <TableCell>
                  <PhaseStatus phase={p.phase} />
                  {p.rollback && (
                    <Typography
                      variant="caption"
                      color="textSecondary"
                      display="block"
                    >
                      rollback
                    </Typography>
                  )}
                </TableCell>
                <TableCell>{p.createdBy ?? '—'}</TableCell>
                <TableCell>
                  <RelativeTime value={p.createdAt} />
                </TableCell>
                <TableCell>
                  {p.finishedAt ? <RelativeTime value={p.finishedAt} /> : '—'}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
        <Box display="flex" alignItems="center" mt={1} style={{ gap: 8 }}>
          <Typography variant="caption" color="textSecondary">
            {pages.items.length} promotions shown
          </Typography>
          {pages.hasMore && (
            <Button
              size="small"
              onClick={pages.loadMore}
              disabled={pages.loading}
            >
              Load more
            </Button>
          )}
        </Box>
        {pages.error && (
          <InlineError error={pages.error} prefix="Could not load more" />
        )}
      </>
    );
  }

  return (
    <InfoCard
      title="Promotions"
      action={
        <TextField
          select
          id="kargo-promotions-stage"
          size="small"
          label="Stage"
          value={stage}
          onChange={e => setStage(e.target.value)}
          style={{ minWidth: 160 }}
        >
          <MenuItem value={ALL}>All stages</MenuItem>
          {stages.map(s => (
            <MenuItem key={s.name} value={s.name}>
              {s.name}
            </MenuItem>
          ))}
        </TextField>
      }
    >
      {body}
      {open && (
        <PromotionDrawer
          project={project}
          promotionId={open}
          freightNames={freightNames}
          onClose={() => setOpen(undefined)}
          onChanged={onChanged}
        />
      )}
    </InfoCard>
  );
}
