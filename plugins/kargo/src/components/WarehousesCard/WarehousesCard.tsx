import { useCallback, useMemo, useState } from 'react';
import Box from '@material-ui/core/Box';
import Divider from '@material-ui/core/Divider';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { EmptyState, InfoCard, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  WarehouseStatus,
  kargoProjectUpdatePermission,
  kargoWarehouseRefreshPermission,
} from '@kargo-portal/plugin-kargo-common';
import { kargoApiRef } from '../../api';
import { useAction } from '../../hooks/useAction';
import { useNotify } from '../../hooks/useNotify';
import { useLoader } from '../../hooks/useLoader';
import { useOnChange } from '../../hooks/useOnChange';
import { usePolling } from '../../hooks/usePolling';
import { discoveredArtifacts, isRefreshPending } from '../../lib/warehouses';
import { CreateFreightDialog } from '../CreateFreightDialog';
import { InlineError } from '../InlineError';
import { PermissionedButton } from '../PermissionedButton';
import { PhaseStatus } from '../PhaseStatus';
import { RelativeTime } from '../RelativeTime';

function Warehouse(props: {
  project: string;
  warehouse: WarehouseStatus;
  onRefreshed: () => void;
  onFreightCreated: () => void;
}) {
  const { project, warehouse, onRefreshed, onFreightCreated } = props;
  const [creating, setCreating] = useState(false);
  const api = useApi(kargoApiRef);
  const notify = useNotify();
  const refresh = useCallback(
    () => api.refreshWarehouse(project, warehouse.name),
    [api, project, warehouse.name],
  );
  const action = useAction(refresh);
  const pending = isRefreshPending(warehouse);
  const discovered = discoveredArtifacts(warehouse);

  let state;
  if (warehouse.lastError) {
    state = <PhaseStatus phase="Failed" label="discovery failed" />;
  } else if (warehouse.lastDiscoveryAt) {
    state = <PhaseStatus phase="Succeeded" label="discovered" />;
  } else {
    state = <PhaseStatus phase="Pending" label="not discovered yet" />;
  }

  return (
    <Box
      component="section"
      py={1.5}
      aria-label={`Warehouse ${warehouse.name}`}
    >
      <Box
        display="flex"
        alignItems="center"
        justifyContent="space-between"
        style={{ gap: 8 }}
      >
        <Typography variant="subtitle1" component="h3">
          {warehouse.name}
        </Typography>
        <Box display="flex" style={{ gap: 8 }}>
          {discovered.some(d => d.versions.length > 0) && (
            <PermissionedButton
              size="small"
              variant="outlined"
              permission={kargoProjectUpdatePermission}
              resourceRef={project}
              actionText={`create freight in project ${project}`}
              aria-label={`Create freight from warehouse ${warehouse.name}`}
              onClick={() => setCreating(true)}
            >
              Create freight
            </PermissionedButton>
          )}
          <PermissionedButton
            size="small"
            variant="outlined"
            permission={kargoWarehouseRefreshPermission}
            resourceRef={project}
            actionText={`refresh warehouses of project ${project}`}
            unavailableReason={action.busy ? 'Requesting…' : undefined}
            aria-label={`Refresh warehouse ${warehouse.name}`}
            onClick={async () => {
              const result = await action.run();
              if (result) {
                notify(`Discovery of ${warehouse.name} requested`, 'info');
                onRefreshed();
              }
            }}
          >
            Refresh
          </PermissionedButton>
        </Box>
      </Box>
      {creating && (
        <CreateFreightDialog
          open
          onClose={() => setCreating(false)}
          onCreated={() => {
            setCreating(false);
            onFreightCreated();
          }}
          project={project}
          warehouse={warehouse}
        />
      )}
      <Typography variant="body2" component="div">
        {state}
        {warehouse.lastDiscoveryAt && (
          <Typography variant="caption" color="textSecondary">
            {' '}
            last discovery <RelativeTime value={warehouse.lastDiscoveryAt} />
          </Typography>
        )}
        {warehouse.lastError && warehouse.lastAttemptAt && (
          <Typography variant="caption" color="textSecondary">
            {' '}
            last attempt <RelativeTime value={warehouse.lastAttemptAt} />
          </Typography>
        )}
      </Typography>
      {(warehouse.interval || warehouse.freightCreationPolicy) && (
        <Typography variant="caption" color="textSecondary" display="block">
          {[
            warehouse.interval && `polls every ${warehouse.interval}`,
            warehouse.freightCreationPolicy === 'Manual' &&
              'freight is created by hand from what it discovers',
          ]
            .filter(Boolean)
            .join(' · ')}
        </Typography>
      )}
      {warehouse.refreshRequestedAt && (
        <Typography variant="caption" color="textSecondary" display="block">
          {pending
            ? 'Waiting for the discovery requested'
            : 'Refresh requested'}{' '}
          <RelativeTime value={warehouse.refreshRequestedAt} />
          {warehouse.refreshRequestedBy
            ? ` by ${warehouse.refreshRequestedBy}`
            : ''}
        </Typography>
      )}
      {warehouse.lastError && (
        <Box mt={1}>
          <Alert severity="error">
            {warehouse.lastError}
            <br />
            Check the subscriptions of the Warehouse manifest: repository URLs,
            tag or semver constraints, and the credentials of the portal's
            integrations for that host. Then refresh.
          </Alert>
        </Box>
      )}
      {discovered.length > 0 && (
        <Box mt={1}>
          {discovered.map(d => (
            <Typography
              key={`${d.kind}:${d.source}`}
              variant="caption"
              display="block"
            >
              {d.kind} {d.source}:{' '}
              {d.versions.length > 0
                ? `${d.versions.slice(0, 5).join(', ')}${
                    d.versions.length > 5
                      ? ` (+${d.versions.length - 5} more)`
                      : ''
                  }`
                : 'nothing matches the subscription'}
            </Typography>
          ))}
        </Box>
      )}
      {action.error !== undefined && (
        <Box mt={1}>
          <InlineError error={action.error} prefix="Refresh refused" />
        </Box>
      )}
    </Box>
  );
}

/** Props of {@link WarehousesCard}. */
export interface WarehousesCardProps {
  project: string;
  /** Only these warehouses (the `kargo/warehouses` annotation), or all. */
  only?: string[];
  refreshToken: number;
  /**
   * Called after a freight was created from a warehouse, to reload the freight shown elsewhere (and, through
   * `refreshToken`, the warehouses). Without it, the card reloads its warehouses only.
   */
  onFreightCreated?: () => void;
}

/**
 * The project's warehouses: when they last discovered artifacts, what they found, their errors, a Refresh
 * button and a Create freight button (freight from chosen discovered revisions). While a requested discovery has not happened, the list is polled with backoff.
 */
export function WarehousesCard(props: WarehousesCardProps) {
  const { project, only, refreshToken, onFreightCreated } = props;
  const api = useApi(kargoApiRef);
  const load = useCallback(
    async () => (await api.listWarehouses(project)).items,
    [api, project],
  );
  const warehouses = useLoader(load, project);
  useOnChange(refreshToken, warehouses.reload);
  const shown = useMemo(
    () => (warehouses.value ?? []).filter(w => !only || only.includes(w.name)),
    [warehouses.value, only],
  );
  const pending = shown.filter(isRefreshPending).map(w => w.name);
  usePolling({
    active: pending.length > 0,
    loading: warehouses.loading,
    loadCount: warehouses.loadCount,
    refresh: warehouses.reload,
    progressKey: pending.join(),
  });

  let body;
  if (!warehouses.value && warehouses.loading) {
    body = <Progress />;
  } else if (!warehouses.value) {
    body = (
      <InlineError
        error={warehouses.error}
        prefix="Could not load the warehouses"
      />
    );
  } else if (shown.length === 0) {
    body = (
      <EmptyState
        missing="data"
        title="No warehouses"
        description={
          only
            ? `Kargo project "${project}" has no warehouse named ${only.join(
                ' or ',
              )} (the kargo/warehouses annotation).`
            : `Kargo project "${project}" has no Warehouse manifest.`
        }
      />
    );
  } else {
    body = shown.map((w, i) => (
      <div key={w.name}>
        {i > 0 && <Divider />}
        <Warehouse
          project={project}
          warehouse={w}
          onRefreshed={warehouses.reload}
          onFreightCreated={onFreightCreated ?? warehouses.reload}
        />
      </div>
    ));
  }
  return <InfoCard title="Warehouses">{body}</InfoCard>;
}
