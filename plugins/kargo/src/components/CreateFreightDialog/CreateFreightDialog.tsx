import { useCallback, useMemo, useState } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import TextField from '@material-ui/core/TextField';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  DiscoveredArtifacts,
  FreightRecord,
  FreightSelection,
  WarehouseStatus,
  kargoProjectUpdatePermission,
} from '@kargo-portal/plugin-kargo-common';
import { kargoApiRef } from '../../api';
import { useAction } from '../../hooks/useAction';
import { useNotify } from '../../hooks/useNotify';
import { relativeTime } from '../../lib/time';
import { InlineError } from '../InlineError';
import { PermissionedButton } from '../PermissionedButton';

/** One subscription of a warehouse and the revisions it discovered, newest/best first. */
interface Subscription {
  key: string;
  label: string;
  options: string[];
  /** Adds the chosen revision (by index in `options`) to a selection. */
  select: (selection: FreightSelection, index: number) => void;
}

function shortCommit(c: {
  id: string;
  subject?: string;
  tag?: string;
}): string {
  const head = c.tag ? `${c.tag} (${c.id.slice(0, 7)})` : c.id.slice(0, 7);
  return c.subject ? `${head} ${c.subject}` : head;
}

/** The subscriptions of a warehouse, from what its last discovery found. */
export function subscriptionsOf(
  discovered: DiscoveredArtifacts | undefined,
): Subscription[] {
  if (!discovered) return [];
  return [
    ...(discovered.images ?? []).map(i => ({
      key: `image:${i.repoURL}:${i.platform ?? ''}`,
      label: `Image ${i.repoURL}${i.platform ? ` (${i.platform})` : ''}`,
      options: i.references.map(r =>
        r.createdAt
          ? `${r.tag || r.digest} · built ${relativeTime(r.createdAt)}`
          : r.tag || r.digest,
      ),
      select: (s: FreightSelection, n: number) => {
        s.images = [
          ...(s.images ?? []),
          { repoURL: i.repoURL, tag: i.references[n].tag },
        ];
      },
    })),
    ...(discovered.commits ?? []).map(g => ({
      key: `git:${g.repoURL}`,
      label: `Git ${g.repoURL}`,
      options: g.commits.map(shortCommit),
      select: (s: FreightSelection, n: number) => {
        s.commits = [
          ...(s.commits ?? []),
          { repoURL: g.repoURL, id: g.commits[n].id },
        ];
      },
    })),
    ...(discovered.charts ?? []).map(c => ({
      key: `chart:${c.repoURL}:${c.name}`,
      label: `Chart ${c.name ? `${c.repoURL} ${c.name}` : c.repoURL}`,
      options: c.versions,
      select: (s: FreightSelection, n: number) => {
        s.charts = [
          ...(s.charts ?? []),
          {
            repoURL: c.repoURL,
            ...(c.name ? { name: c.name } : {}),
            version: c.versions[n],
          },
        ];
      },
    })),
  ];
}

/** Props of {@link CreateFreightDialog}. */
export interface CreateFreightDialogProps {
  open: boolean;
  onClose: () => void;
  onCreated: (freight: FreightRecord) => void;
  project: string;
  warehouse: WarehouseStatus;
}

/**
 * Create a freight from the revisions a warehouse discovered, one per subscription (the newest preselected):
 * how `Manual` warehouses get freight, and a way to pin other revisions for `Automatic` ones. Gated by
 * `kargo.project.update` on the project; the backend's refusal is shown inline.
 */
export function CreateFreightDialog(props: CreateFreightDialogProps) {
  const { open, onClose, onCreated, project, warehouse } = props;
  const api = useApi(kargoApiRef);
  const notify = useNotify();
  const subscriptions = useMemo(
    () => subscriptionsOf(warehouse.discovered),
    [warehouse.discovered],
  );
  const [chosen, setChosen] = useState<Record<string, number>>({});
  const create = useCallback(
    (selection: FreightSelection) =>
      api.createFreight(project, warehouse.name, selection),
    [api, project, warehouse.name],
  );
  const action = useAction(create);
  const empty = subscriptions.filter(s => s.options.length === 0);

  let unavailableReason: string | undefined;
  if (subscriptions.length === 0) {
    unavailableReason = `Warehouse ${warehouse.name} has not discovered any artifacts yet.`;
  } else if (empty.length > 0) {
    unavailableReason = `Nothing to choose for ${empty
      .map(s => s.label)
      .join(', ')}: refresh the warehouse or check its subscriptions.`;
  } else if (action.busy) {
    unavailableReason = 'Creating the freight…';
  }

  const submit = async () => {
    const selection: FreightSelection = {};
    for (const s of subscriptions) s.select(selection, chosen[s.key] ?? 0);
    const result = await action.run(selection);
    if (result) {
      notify(
        `Freight ${result.value.alias} created from ${warehouse.name}`,
        'success',
      );
      onCreated(result.value);
    }
  };

  return (
    <Dialog
      open={open}
      onClose={onClose}
      maxWidth="sm"
      fullWidth
      aria-labelledby="kargo-create-freight-title"
    >
      <DialogTitle id="kargo-create-freight-title">
        Create freight from {warehouse.name}
      </DialogTitle>
      <DialogContent>
        <DialogContentText variant="body2">
          Choose one discovered revision per subscription, newest first.
          {warehouse.freightCreationPolicy === 'Manual'
            ? ' This warehouse creates no freight by itself.'
            : ' This warehouse also creates freight by itself from the newest revisions.'}
        </DialogContentText>
        {subscriptions.map((s, i) => (
          <Box key={s.key} mt={2}>
            <TextField
              id={`kargo-create-freight-subscription-${i}`}
              select
              fullWidth
              variant="outlined"
              size="small"
              label={s.label}
              value={chosen[s.key] ?? 0}
              disabled={s.options.length === 0}
              helperText={
                s.options.length === 0
                  ? 'nothing matches the subscription'
                  : undefined
              }
              SelectProps={{ native: true }}
              InputLabelProps={{ shrink: true }}
              onChange={e =>
                setChosen(c => ({ ...c, [s.key]: Number(e.target.value) }))
              }
            >
              {s.options.map((label, index) => (
                <option key={index} value={index}>
                  {label}
                </option>
              ))}
            </TextField>
          </Box>
        ))}
        {action.error !== undefined && (
          <Box mt={2}>
            <InlineError
              error={action.error}
              prefix="Freight creation refused"
            />
          </Box>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <PermissionedButton
          permission={kargoProjectUpdatePermission}
          resourceRef={project}
          actionText={`create freight in project ${project}`}
          unavailableReason={unavailableReason}
          color="primary"
          variant="contained"
          onClick={submit}
        >
          Create
        </PermissionedButton>
      </DialogActions>
    </Dialog>
  );
}
